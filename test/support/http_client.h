#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "test/support/test_credentials.h"

namespace amaima::testing {

// What a test sees of one HTTP response.
struct ClientResponse {
  int status{0};
  std::map<std::string, std::string> headers{};  // Lower-case names.
  std::string body{};
  bool keep_alive{false};
};

// A blocking HTTP/1.1 client over loopback for integration tests, on one
// keep-alive connection (reconnects when the server closed it). Not thread-safe.
class HttpClient {
 public:
  // Sends `credential` as "Authorization: Bearer" with every request that sets neither
  // authorization nor x-api-key itself; empty = no credential.
  explicit HttpClient(std::uint16_t port, std::string credential = std::string(kTestAdminKey));
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) = delete;
  HttpClient& operator=(HttpClient&&) = delete;
  ~HttpClient();

  // Sends one request. `content_type` empty = no Content-Type header. Throws
  // std::runtime_error on a transport failure (a test failure, not a case).
  ClientResponse Request(std::string_view method, std::string_view target,
                         std::string_view body = {},
                         std::string_view content_type = "application/json",
                         const std::map<std::string, std::string>& headers = {});

  ClientResponse Get(std::string_view target) { return Request("GET", target, {}, ""); }

  ClientResponse Post(std::string_view target, std::string_view body) {
    return Request("POST", target, body);
  }

 private:
  class Impl;
  Impl* impl_;
};

// Opens a raw TCP connection to 127.0.0.1:port; returns the fd or -1 if refused.
int ConnectRaw(std::uint16_t port);
// Writes all of `data` to `fd`; returns false on error.
bool WriteRaw(int fd, std::string_view data);
// Reads until the peer closes or `max_bytes` arrive; returns what was read.
std::string ReadUntilClose(int fd, std::size_t max_bytes = 1 << 20);

}  // namespace amaima::testing
