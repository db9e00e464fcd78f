#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace amaima::http {

// One HTTP request as the rest of the system sees it: no Beast types.
// Header names are lower-cased.
struct HttpRequest {
  std::string method{};        // "GET", "POST", ...
  std::string target{};        // As sent: "/v1/decisions?limit=5".
  std::string path{};          // "/v1/decisions"
  std::string query_string{};  // "limit=5"
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string request_id{};
  std::string remote_address{};
  // Values of `{name}` segments of the matched route pattern, in order.
  std::vector<std::pair<std::string, std::string>> path_params{};

  // Returns the first header named `name` (lower case), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Returns the path parameter `name`, or an empty view.
  std::string_view PathParam(std::string_view name) const;
  // Returns the decoded query parameter `name`, if present.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status{200};
  std::string content_type{"application/json"};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

// Handles one request. Called on the connection's strand; the request outlives the
// call (the session co_awaits it). Must not throw for expected failures: return an
// error response (ErrorResponse in error_mapping.h).
using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// Decodes %XX escapes and '+' (as space) of a query-string component.
std::string PercentDecode(std::string_view text);

}  // namespace amaima::http
