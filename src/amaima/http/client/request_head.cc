#include "amaima/http/client/request_head.h"

#include <algorithm>
#include <array>

#include "amaima/http/client/upstream_errors.h"

namespace amaima::http {

namespace {

// RFC 9110 §5.6.2 tchar.
bool IsToken(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsSafeValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool ContainsTokenIgnoreCase(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (EqualsIgnoreCase(item, token)) {
      return true;
    }
    start = comma + 1;
  }
  return false;
}

Error InvalidRequest(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(kUpstreamInvalidRequest),
              std::move(message));
}

}  // namespace

Result<RequestHead> EncodeRequestHead(const ClientRequest& request, const Url& url,
                                      std::string_view user_agent) {
  if (!IsToken(request.method)) {
    return InvalidRequest("invalid HTTP method '" + request.method + "'");
  }
  RequestHead head;
  bool has_host = false;
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name)) {
      return InvalidRequest("invalid header name '" + name + "'");
    }
    if (!IsSafeValue(value)) {
      return InvalidRequest("header '" + name + "' contains CR, LF or NUL");
    }
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
      return InvalidRequest("header '" + name + "' is set by the client");
    }
    has_host = has_host || EqualsIgnoreCase(name, "host");
    has_user_agent = has_user_agent || EqualsIgnoreCase(name, "user-agent");
    if (EqualsIgnoreCase(name, "connection") && ContainsTokenIgnoreCase(value, "close")) {
      head.close = true;
    }
  }

  std::string& text = head.text;
  text.reserve(128 + url.target.size() + url.host.size());
  text.append(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  if (!has_host) {
    text.append("Host: ").append(url.Authority()).append("\r\n");
  }
  if (!has_user_agent && !user_agent.empty()) {
    text.append("User-Agent: ").append(user_agent).append("\r\n");
  }
  for (const auto& [name, value] : request.headers) {
    text.append(name).append(": ").append(value).append("\r\n");
  }
  const bool body_expected =
      request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!request.body.empty() || body_expected) {
    text.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  text.append("\r\n");
  return head;
}

bool MayRetryOnFreshConnection(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kMethods = {"GET", "HEAD",   "OPTIONS", "TRACE",
                                                               "PUT", "DELETE", "POST"};
  for (const std::string_view candidate : kMethods) {
    if (candidate == method) {
      return true;
    }
  }
  return false;
}

}  // namespace amaima::http
