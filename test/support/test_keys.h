#pragma once

#include <optional>
#include <string>

// Key pairs generated for tests (OpenSSL), as PEM.
namespace amaima::testing {

struct TestKeyPems {
  std::string private_pem{};  // PKCS#8 "PRIVATE KEY"
  std::string public_pem{};   // SubjectPublicKeyInfo "PUBLIC KEY"
};

// A fresh key pair: RSA with `rsa_bits`, or EC on P-256 when `rsa_bits` is nullopt. Fails the
// calling test (ADD_FAILURE) and returns empty strings when OpenSSL cannot make one.
TestKeyPems GenerateTestKey(std::optional<int> rsa_bits);

// One RSA-2048 pair per test binary (generation takes a while).
const TestKeyPems& TestRsa2048();

}  // namespace amaima::testing
