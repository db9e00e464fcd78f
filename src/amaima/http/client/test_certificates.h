#pragma once

#include <string>
#include <vector>

namespace amaima::http::testing {

// A private certificate authority and a server certificate it signed, in PEM,
// made at run time for TLS tests (nothing is committed to the tree).
struct TestCertificates {
  std::string ca_pem{};
  std::string server_cert_pem{};
  std::string server_key_pem{};
};

// Makes a fresh CA and a server certificate whose subjectAltName holds `names`
// ("DNS:localhost", "IP:127.0.0.1"). EC P-256 keys, valid from an hour ago for a
// day. Aborts the test program on an OpenSSL failure.
TestCertificates MakeTestCertificates(const std::vector<std::string>& names);

}  // namespace amaima::http::testing
