#include "amaima/http/client/test_certificates.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace amaima::http::testing {

namespace {

constexpr int kHourSeconds = 3600;
constexpr int kDaySeconds = 24 * kHourSeconds;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

struct ContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};

using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test certificates: %s failed\n", what);
    std::abort();
  }
}

Key MakeKey() {
  std::unique_ptr<EVP_PKEY_CTX, ContextFree> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  Require(context != nullptr, "EVP_PKEY_CTX_new_from_name");
  Require(EVP_PKEY_keygen_init(context.get()) == 1, "EVP_PKEY_keygen_init");
  Require(EVP_PKEY_CTX_set_group_name(context.get(), "P-256") == 1, "set_group_name");
  EVP_PKEY* key = nullptr;
  Require(EVP_PKEY_generate(context.get(), &key) == 1, "EVP_PKEY_generate");
  return Key(key);
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  Require(extension != nullptr, "X509V3_EXT_conf_nid");
  Require(X509_add_ext(cert, extension, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(extension);
}

// Signs a certificate for `key` named `common_name`; self-signed when `issuer` is null.
Cert MakeCertificate(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                     long serial,  // NOLINT(google-runtime-int): OpenSSL's type.
                     const std::string& alt_names) {
  Cert cert(X509_new());
  Require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kHourSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kDaySeconds);
  Require(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (issuer == nullptr) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    AddExtension(cert.get(), signer, NID_subject_alt_name, alt_names);
  }
  Require(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0,
          "X509_sign");
  return cert;
}

std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data() is a macro with a C-style cast; this is what it expands to.
  const long size =  // NOLINT(google-runtime-int): OpenSSL's type.
      BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  return {data, static_cast<std::size_t>(size)};
}

std::string CertificatePem(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  Require(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return ReadBio(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  Require(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  return ReadBio(bio.get());
}

}  // namespace

TestCertificates MakeTestCertificates(const std::vector<std::string>& names) {
  std::string alt_names;
  for (const std::string& name : names) {
    alt_names += (alt_names.empty() ? "" : ",") + name;
  }
  const Key ca_key = MakeKey();
  const Cert ca = MakeCertificate(ca_key.get(), "amaima test CA", nullptr, nullptr, 1, "");
  const Key server_key = MakeKey();
  const Cert server = MakeCertificate(server_key.get(), "amaima test upstream", ca.get(),
                                      ca_key.get(), 2, alt_names);
  TestCertificates out;
  out.ca_pem = CertificatePem(ca.get());
  out.server_cert_pem = CertificatePem(server.get());
  out.server_key_pem = KeyPem(server_key.get());
  return out;
}

}  // namespace amaima::http::testing
