#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"

namespace amaima::http {

struct HttpServerOptions {
  std::string host{"127.0.0.1"};
  std::uint16_t port{8000};  // 0 = an ephemeral port; read it back with port().
  std::uint64_t body_limit_bytes{1U << 20};
  std::chrono::milliseconds idle_timeout{60000};     // Between requests on a keep-alive connection.
  std::chrono::milliseconds request_timeout{30000};  // Reading one request, header and body.
  // How long a WebSocket peer has to answer the server's close frame (shutdown, policy
  // close) before the socket is closed. WebSocket messages are limited to body_limit_bytes.
  std::chrono::milliseconds websocket_close_timeout{5000};
  // Establishes the principal of every request to a non-public route. Without one, only
  // public routes are served (default deny).
  Authenticator authenticator{};
};

// Counters the server keeps; read them for /metrics and tests.
struct HttpServerStats {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> unexpected_exceptions{0};
  std::atomic<std::int64_t> active_connections{0};
  std::atomic<std::int64_t> in_flight_requests{0};  // WebSocket connections included.
  std::atomic<std::int64_t> active_websockets{0};
};

// Called after each response is written (access log, metrics). Must be thread-safe.
using ResponseObserver = std::function<void(const HttpRequest&, const HttpResponse&,
                                            std::chrono::steady_clock::duration)>;

// HTTP/1.1 server on Boost.Beast with C++20 coroutines: keep-alive, request ids
// (x-request-id honoured when well-formed), a body size limit (413), Expect:
// 100-continue, WebSocket upgrades (a handler answers with HttpResponse::websocket set),
// and graceful shutdown.
//
// Each connection runs on one serial executor, its "strand": without lanes, a strand of
// `io`; with lanes, the executor of the lane it was given at accept (round robin). A lane
// is an io_context run by exactly one thread, so a connection's code needs no strand and
// no lock, and its completions never hop between threads.
//
// @par Thread Safety
// Without lanes, `io` may be run by any number of threads; each lane must be run by one
// thread only. Start() and Stop() may be called from any thread, once each. `routes`,
// `ids`, `io` and the lanes are borrowed and must outlive the server; the server must
// outlive Stop()'s completion.
class HttpServer {
 public:
  // Binds and listens at once so that the port is known. Fails with kUnavailable
  // when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Create(boost::asio::io_context& io,
                                                    const HttpServerOptions& options,
                                                    const RouteTable& routes, IdGenerator& ids,
                                                    ResponseObserver observer = nullptr);
  // As above, with connections spread over `lanes` (each run by one thread; `io`, which
  // runs the listener, may be one of them). Fails with kInvalidArgument when a lane is
  // null.
  static Result<std::unique_ptr<HttpServer>> Create(boost::asio::io_context& io,
                                                    std::vector<boost::asio::io_context*> lanes,
                                                    const HttpServerOptions& options,
                                                    const RouteTable& routes, IdGenerator& ids,
                                                    ResponseObserver observer = nullptr);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;
  ~HttpServer();

  std::uint16_t port() const;

  // Starts accepting connections.
  void Start();

  // Stops gracefully: closes the listener (new connections are refused), closes idle
  // connections, starts closing WebSocket connections (close code 1001), lets requests
  // in flight finish and answer (with Connection: close), and after `deadline` closes
  // whatever is left. Completes when every connection is gone.
  boost::asio::awaitable<void> Stop(std::chrono::milliseconds deadline);

  const HttpServerStats& stats() const;

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace amaima::http
