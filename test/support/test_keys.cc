#include "test/support/test_keys.h"

#include <memory>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace amaima::testing {
namespace {

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string DrainBio(BIO* bio) {
  std::string text(BIO_ctrl_pending(bio), '\0');
  const int read = BIO_read(bio, text.data(), static_cast<int>(text.size()));
  text.resize(read > 0 ? static_cast<std::size_t>(read) : 0);
  return text;
}

}  // namespace

TestKeyPems GenerateTestKey(std::optional<int> rsa_bits) {
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> context(
      EVP_PKEY_CTX_new_from_name(nullptr, rsa_bits ? "RSA" : "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  const bool generated = context != nullptr && EVP_PKEY_keygen_init(context.get()) == 1
                         && (rsa_bits ? EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), *rsa_bits)
                                      : EVP_PKEY_CTX_set_group_name(context.get(), "P-256"))
                                == 1
                         && EVP_PKEY_generate(context.get(), &raw) == 1;
  const std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(raw);
  const std::unique_ptr<BIO, BioDeleter> private_bio(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, BioDeleter> public_bio(BIO_new(BIO_s_mem()));
  const bool written = generated
                       && PEM_write_bio_PrivateKey(private_bio.get(), pkey.get(), nullptr, nullptr,
                                                   0, nullptr, nullptr)
                              == 1
                       && PEM_write_bio_PUBKEY(public_bio.get(), pkey.get()) == 1;
  if (!written) {
    ADD_FAILURE() << "cannot generate a test key";
    return {};
  }
  return TestKeyPems{DrainBio(private_bio.get()), DrainBio(public_bio.get())};
}

const TestKeyPems& TestRsa2048() {
  static const TestKeyPems pems = GenerateTestKey(2048);
  return pems;
}

}  // namespace amaima::testing
