#include "amaima/http/client/url.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace amaima::http {

namespace {

constexpr std::string_view kInvalidUrl = "UPSTREAM_INVALID_URL";

Error InvalidUrl(std::string_view text, std::string_view why) {
  return Fail(ErrorCode::kInvalidArgument, std::string(kInvalidUrl),
              "invalid upstream URL '" + std::string(text) + "': " + std::string(why));
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Characters allowed in a request target as sent: visible ASCII.
bool IsValidTarget(std::string_view target) {
  for (const char c : target) {
    if (c <= ' ' || c > '~') {
      return false;
    }
  }
  return true;
}

bool IsValidHostName(std::string_view host) {
  for (const char c : host) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The host and the port text of a URL's authority.
struct HostAndPort {
  std::string host{};
  std::optional<std::string_view> port{};
};

Result<HostAndPort> SplitAuthority(std::string_view text, std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return InvalidUrl(text, "user info is not supported; send credentials in a header");
  }
  HostAndPort out;
  std::string_view after_host;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidUrl(text, "unterminated IPv6 literal");
    }
    out.host = Lower(authority.substr(1, close - 1));
    if (out.host.empty() || out.host.find_first_not_of("0123456789abcdef:.") != std::string::npos) {
      return InvalidUrl(text, "invalid IPv6 literal");
    }
    after_host = authority.substr(close + 1);
  } else {
    const std::size_t colon = std::min(authority.find(':'), authority.size());
    out.host = Lower(authority.substr(0, colon));
    if (out.host.empty() || !IsValidHostName(out.host)) {
      return InvalidUrl(text, "missing or invalid host name");
    }
    after_host = authority.substr(colon);
  }
  if (!after_host.empty()) {
    if (after_host.front() != ':') {
      return InvalidUrl(text, "unexpected characters after the host");
    }
    out.port = after_host.substr(1);
  }
  return out;
}

Result<std::uint16_t> ParsePort(std::string_view text, std::string_view port_text) {
  unsigned value = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [stop, ec] = std::from_chars(port_text.data(), end, value);
  if (port_text.empty() || ec != std::errc() || stop != end || value == 0 || value > 65535) {
    return InvalidUrl(text, "invalid port");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string Url::Authority() const {
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::uint16_t default_port = tls() ? 443 : 80;
  if (port != default_port) {
    authority += ":" + std::to_string(port);
  }
  return authority;
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidUrl(text, "expected scheme://host");
  }
  url.scheme = Lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidUrl(text, "the scheme must be http or https");
  }

  std::string_view rest = text.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = rest.find_first_of("/?");
  if (authority_end != std::string_view::npos) {
    const std::string_view target = rest.substr(authority_end);
    url.target = target.front() == '?' ? "/" + std::string(target) : std::string(target);
  }
  if (!IsValidTarget(url.target)) {
    return InvalidUrl(text, "the path contains spaces or control characters");
  }

  Result<HostAndPort> authority = SplitAuthority(text, rest.substr(0, authority_end));
  if (!authority) {
    return authority.error();
  }
  url.host = std::move(authority->host);
  url.port = url.tls() ? 443 : 80;
  if (authority->port) {
    Result<std::uint16_t> port = ParsePort(text, *authority->port);
    if (!port) {
      return port.error();
    }
    url.port = *port;
  }
  return url;
}

}  // namespace amaima::http
