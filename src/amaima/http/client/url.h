#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "amaima/core/result.h"

namespace amaima::http {

// The parts of an absolute http:// or https:// URL that an upstream request needs.
struct Url {
  std::string scheme{"http"};  // "http" or "https", lower case.
  std::string host{};          // Lower case; an IPv6 literal without brackets.
  std::uint16_t port{80};      // The scheme's default when the URL names none.
  std::string target{"/"};     // Path and query as sent on the request line.

  bool tls() const { return scheme == "https"; }

  // Returns the value of the Host header: the host, bracketed when it is an IPv6
  // literal, with ":port" unless the port is the scheme's default.
  std::string Authority() const;
};

// Parses `text` ("https://api.example.com:8443/v1/chat?x=1"). Fails with
// kInvalidArgument (reason UPSTREAM_INVALID_URL) for other schemes, user info,
// a missing host, a bad port or characters that cannot appear on a request line.
// The fragment, if any, is dropped.
Result<Url> ParseUrl(std::string_view text);

}  // namespace amaima::http
