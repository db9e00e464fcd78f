#include "amaima/auth/jwt_key.h"

#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "amaima/core/hashing.h"

namespace amaima::auth {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};

struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

constexpr int kMinRsaBits = 2048;

// Returns the first queued OpenSSL error as text and empties the queue, so that a
// failure here never surfaces in an unrelated OpenSSL call later on this thread.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_peek_error();  // NOLINT(google-runtime-int): OpenSSL's type
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text = buffer.data();
  }
  ERR_clear_error();
  return text;
}

Error ConfigError(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID", std::move(message));
}

}  // namespace

// The key behind a JwtKey: exactly one of hmac_ and pkey_ is set.
class JwtKey::Material {
 public:
  explicit Material(HmacSha256Key key) : algorithm_(JwtAlgorithm::kHs256), hmac_(std::move(key)) {}

  Material(PkeyPtr pkey, bool is_private)
      : algorithm_(JwtAlgorithm::kRs256), pkey_(std::move(pkey)), is_private_(is_private) {}

  JwtAlgorithm algorithm() const { return algorithm_; }

  bool can_sign() const { return algorithm_ == JwtAlgorithm::kHs256 || is_private_; }

  // Returns the raw signature of `input`. Requires can_sign().
  Result<std::string> Sign(std::string_view input) const {
    if (hmac_) {
      const Sha256Digest mac = hmac_->Sign(input);
      return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
    }
    const MdContextPtr context(EVP_MD_CTX_new());
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    // RSA keys default to PKCS#1 v1.5 padding, which is what RS256 is.
    if (context == nullptr
        || EVP_DigestSignInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, pkey_.get(),
                                 nullptr)
               != 1
        || EVP_DigestSign(context.get(), nullptr, &size, data, input.size()) != 1) {
      return Fail(ErrorCode::kInternal, "RS256 signing failed: " + TakeOpenSslError());
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       data, input.size())
        != 1) {
      return Fail(ErrorCode::kInternal, "RS256 signing failed: " + TakeOpenSslError());
    }
    signature.resize(size);
    return signature;
  }

  // Returns whether `signature` is a valid signature of `input`.
  bool Verify(std::string_view input, std::string_view signature) const {
    if (hmac_) {
      const Sha256Digest mac = hmac_->Sign(input);
      return ConstantTimeEquals(
          std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()), signature);
    }
    const MdContextPtr context(EVP_MD_CTX_new());
    const bool ok =
        context != nullptr
        && EVP_DigestVerifyInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, pkey_.get(),
                                   nullptr)
               == 1
        && EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                            input.size())
               == 1;
    // A bad signature queues an error; it is an answer here, not a failure.
    ERR_clear_error();
    return ok;
  }

 private:
  JwtAlgorithm algorithm_;
  std::optional<HmacSha256Key> hmac_{};
  PkeyPtr pkey_{};
  bool is_private_{false};
};

namespace {

// Reads an RSA key of at least kMinRsaBits from `pem`.
Result<PkeyPtr> ReadRsaPem(std::string_view pem, bool is_private) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return ConfigError("RS256 key PEM is too large");
  }
  const std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return Fail(ErrorCode::kInternal, "cannot read PEM: " + TakeOpenSslError());
  }
  // Without a callback OpenSSL would prompt on the terminal for an encrypted key's
  // passphrase; this one supplies none, so encrypted keys fail to load.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) {
    return 0;
  };
  PkeyPtr pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  const std::string_view kind = is_private ? "private" : "public";
  if (pkey == nullptr) {
    return ConfigError("RS256 " + std::string(kind)
                       + " key is not a readable unencrypted PEM: " + TakeOpenSslError());
  }
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    return ConfigError("RS256 " + std::string(kind) + " key is not an RSA key");
  }
  const int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < kMinRsaBits) {
    return ConfigError("RS256 " + std::string(kind) + " key has " + std::to_string(bits)
                       + " bits; at least " + std::to_string(kMinRsaBits) + " are required");
  }
  return pkey;
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kHs256:
      return "HS256";
    case JwtAlgorithm::kRs256:
      return "RS256";
  }
  return "unknown";
}

Result<JwtKey> JwtKey::Hs256(std::string_view secret) {
  if (secret.size() < kMinHs256SecretBytes) {
    return ConfigError("HS256 secret is " + std::to_string(secret.size()) + " bytes; at least "
                       + std::to_string(kMinHs256SecretBytes) + " are required");
  }
  return JwtKey(std::make_shared<const Material>(HmacSha256Key(secret)));
}

Result<JwtKey> JwtKey::Rs256PrivateKey(std::string_view pem) {
  Result<PkeyPtr> pkey = ReadRsaPem(pem, /*is_private=*/true);
  if (!pkey) {
    return pkey.error();
  }
  return JwtKey(std::make_shared<const Material>(std::move(*pkey), /*is_private=*/true));
}

Result<JwtKey> JwtKey::Rs256PublicKey(std::string_view pem) {
  Result<PkeyPtr> pkey = ReadRsaPem(pem, /*is_private=*/false);
  if (!pkey) {
    return pkey.error();
  }
  return JwtKey(std::make_shared<const Material>(std::move(*pkey), /*is_private=*/false));
}

JwtAlgorithm JwtKey::algorithm() const {
  return material_->algorithm();
}

bool JwtKey::can_sign() const {
  return material_->can_sign();
}

Result<std::string> JwtKey::Sign(std::string_view signing_input) const {
  if (!material_->can_sign()) {
    return Fail(ErrorCode::kFailedPrecondition, "an RS256 public key cannot sign");
  }
  return material_->Sign(signing_input);
}

bool JwtKey::Verify(std::string_view signing_input, std::string_view signature) const {
  return material_->Verify(signing_input, signature);
}

}  // namespace amaima::auth
