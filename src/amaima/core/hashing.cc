#include "amaima/core/hashing.h"

#include <algorithm>
#include <memory>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "amaima/core/check.h"

namespace amaima {

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  const unsigned char* out = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                  reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                                  digest.data(), &length);
  AMAIMA_CHECK(out != nullptr && length == digest.size());
  return digest;
}

namespace {

EVP_MD_CTX* AsContext(void* context) {
  return static_cast<EVP_MD_CTX*>(context);
}

// Finishes a copy of `prefix` after absorbing `data`.
Sha256Digest FinishCopy(const EVP_MD_CTX* prefix, const void* data, std::size_t size) {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> scratch(EVP_MD_CTX_new(),
                                                                               &EVP_MD_CTX_free);
  AMAIMA_CHECK(scratch != nullptr);
  AMAIMA_CHECK(EVP_MD_CTX_copy_ex(scratch.get(), prefix) == 1);
  AMAIMA_CHECK(EVP_DigestUpdate(scratch.get(), data, size) == 1);
  Sha256Digest digest{};
  unsigned int length = 0;
  AMAIMA_CHECK(EVP_DigestFinal_ex(scratch.get(), digest.data(), &length) == 1);
  AMAIMA_CHECK(length == digest.size());
  return digest;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  // EVP_Digest() looks the algorithm up (under a lock) and allocates a context on every
  // call; an initialised context is made once and each call finishes a copy of it.
  static const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> empty = [] {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
    AMAIMA_CHECK(context != nullptr);
    AMAIMA_CHECK(EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1);
    return context;
  }();
  return FinishCopy(empty.get(), data.data(), data.size());
}

HmacSha256Key::HmacSha256Key(std::string_view key) {
  // RFC 2104: a key longer than the 64-byte block is hashed first; shorter ones are
  // zero-padded to the block.
  constexpr std::size_t kBlock = 64;
  std::array<unsigned char, kBlock> padded{};
  if (key.size() > kBlock) {
    const Sha256Digest hashed = Sha256(key);
    std::copy(hashed.begin(), hashed.end(), padded.begin());
  } else {
    std::copy(key.begin(), key.end(), padded.begin());
  }
  std::array<unsigned char, kBlock> ipad{};
  std::array<unsigned char, kBlock> opad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = padded[i] ^ 0x36;
    opad[i] = padded[i] ^ 0x5c;
  }
  auto absorb = [](const std::array<unsigned char, kBlock>& block) {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    AMAIMA_CHECK(context != nullptr);
    AMAIMA_CHECK(EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1);
    AMAIMA_CHECK(EVP_DigestUpdate(context, block.data(), block.size()) == 1);
    return context;
  };
  inner_ = absorb(ipad);
  outer_ = absorb(opad);
  OPENSSL_cleanse(padded.data(), padded.size());
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
}

HmacSha256Key::~HmacSha256Key() {
  EVP_MD_CTX_free(AsContext(inner_));
  EVP_MD_CTX_free(AsContext(outer_));
}

HmacSha256Key::HmacSha256Key(HmacSha256Key&& other) noexcept
    : inner_(std::exchange(other.inner_, nullptr)), outer_(std::exchange(other.outer_, nullptr)) {}

HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(AsContext(inner_));
    EVP_MD_CTX_free(AsContext(outer_));
    inner_ = std::exchange(other.inner_, nullptr);
    outer_ = std::exchange(other.outer_, nullptr);
  }
  return *this;
}

Sha256Digest HmacSha256Key::Sign(std::string_view data) const {
  AMAIMA_CHECK(inner_ != nullptr);
  const Sha256Digest inner = FinishCopy(AsContext(inner_), data.data(), data.size());
  return FinishCopy(AsContext(outer_), inner.data(), inner.size());
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0x0F];
  }
  return out;
}

std::string ToHex(const Sha256Digest& digest) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string RandomBytes(std::size_t count) {
  std::string out(count, '\0');
  const int ok = RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count));
  AMAIMA_CHECK(ok == 1);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace amaima
