#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/access.h"
#include "amaima/core/result.h"
#include "amaima/http/server/websocket.h"

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
  // The pattern of the route that matched ("/v1/decisions/{id}"); empty when none did. A
  // bounded label for metrics, unlike `path`.
  std::string_view route{};
  // Who sent it: set by the server's authenticator before the handler runs (empty on
  // public routes).
  Principal principal{};
  // Headers the server adds to whatever response the request gets, set before the handler
  // runs (the rate limiter's X-RateLimit-* and Retry-After).
  std::vector<std::pair<std::string, std::string>> response_headers{};

  // Returns the first header named `name` (lower case), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Returns the path parameter `name`, or an empty view.
  std::string_view PathParam(std::string_view name) const;
  // Returns the decoded query parameter `name`, if present.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

// The body of a streamed response (server-sent events): pieces written to the client as
// they are produced, with chunked transfer encoding. Destroyed when the response ends,
// also when the client goes away first — which is how a handler's upstream work is
// cancelled: the server stops awaiting Next() (terminal cancellation) as soon as it sees
// the client disconnect.
class ResponseStream {
 public:
  ResponseStream() = default;
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;
  virtual ~ResponseStream() = default;

  // The next bytes to send, or nullopt when the body is complete. It cannot fail: once
  // the head is sent, an error can only be written into the stream itself (an SSE error
  // event) before it ends.
  virtual boost::asio::awaitable<std::optional<std::string>> Next() = 0;

  // Whether Next() would complete without waiting (its bytes, or the end, are already at
  // hand: decoded from the same upstream read). The server then takes them too and sends
  // everything in one write, instead of one write and one wait per piece. Must not be true
  // when Next() would wait for the upstream: the server does not watch the client meanwhile.
  virtual bool Ready() const { return false; }
};

struct HttpResponse {
  int status{200};
  std::string content_type{"application/json"};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // When set, the body is streamed from it instead of `body`.
  std::shared_ptr<ResponseStream> stream{};
  // When set, the request must be a WebSocket upgrade (else the client gets 400
  // VALIDATION_UPGRADE_REQUIRED): the server completes the handshake (101) and runs the
  // handler on the upgraded connection; `status`, `body` and `stream` are ignored.
  WebSocketHandler websocket{};
};

// Handles one request. Called on the connection's strand; the request outlives the
// call (the session co_awaits it). Must not throw for expected failures: return an
// error response (ErrorResponse in error_mapping.h).
using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// Establishes who sent a request from its credentials (headers, query token) and admits it
// (rate limits). Returns kUnauthenticated for missing or bad credentials, kResourceExhausted
// over a limit; may add `response_headers`. Called on the connection's strand.
using Authenticator = std::function<boost::asio::awaitable<Result<Principal>>(HttpRequest&)>;

// Decodes %XX escapes and '+' (as space) of a query-string component.
std::string PercentDecode(std::string_view text);

}  // namespace amaima::http
