#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "amaima/api/ws/decision_feed.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/http/server/websocket.h"
#include "amaima/pipeline/exchange.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/pipeline/pipeline.h"
#include "amaima/providers/chat_types.h"

namespace amaima::api {

// Checks a client's token (from `?token=` or an `auth` message) and returns the
// principal it names. Any error rejects the connection (AUTH_INVALID_TOKEN, close 1008).
// Called on the connection's strand: must be thread-safe and must not block.
using WsAuthenticator = std::function<Result<std::string>(std::string_view token)>;

// Opens an executed stream for a decided exchange: in production a call of
// pipeline::ExecutionHandler::Stream(exchange, request, pipeline::kSurfaceWebSocket); a
// fake in tests. `exchange` is borrowed until the returned awaitable completes (it is
// co_awaited directly), which may take its budget hold; destroying the opened stream cancels
// the upstream.
using WsStreamOpener = std::function<boost::asio::awaitable<Result<pipeline::OpenedStream>>(
    pipeline::Exchange& exchange, providers::ChatRequest request)>;

struct WsApiOptions {
  // The server sends `ping` this long after the connection opened, then again this long
  // after each ping; a connection without a `pong` within `pong_timeout` of a ping is
  // closed with 1008 (policy violation).
  std::chrono::milliseconds ping_interval{30000};
  std::chrono::milliseconds pong_timeout{10000};
  std::size_t max_queries_per_connection{32};  // In flight at once.
  std::size_t max_id_length{128};
};

// Counters of the WebSocket surface, for /metrics and tests.
struct WsStats {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::int64_t> active_connections{0};
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> cancelled_queries{0};
  std::atomic<std::uint64_t> ping_timeouts{0};
  std::atomic<std::uint64_t> unexpected_exceptions{0};
};

// The native WebSocket surface, GET /v1/ws (DESIGN.md §7): JSON text messages
// {"type", "id", "payload"}. Client → server: query, cancel, pong, subscribe,
// unsubscribe, auth. Server → client: decision, chunk, complete, error, ping,
// subscribed, unsubscribed, authenticated, event. The protocol is documented in
// src/amaima/api/ws/README.md.
//
// @par Thread Safety
// Connections are served concurrently on any I/O thread, each on its own strand.
// Everything is borrowed and must outlive the API object and every connection it serves
// (the HTTP server's Stop() ends them). `open_stream` null means decision-only; a null
// `authenticator` accepts every connection.
class WsApi {
 public:
  WsApi(const pipeline::Pipeline& pipeline, DecisionFeed& feed, IdGenerator& ids,
        const Clock& clock, WsStreamOpener open_stream, WsAuthenticator authenticator = nullptr,
        WsApiOptions options = {});
  WsApi(const WsApi&) = delete;
  WsApi& operator=(const WsApi&) = delete;
  WsApi(WsApi&&) = delete;
  WsApi& operator=(WsApi&&) = delete;
  ~WsApi();

  // Adds GET /v1/ws to `routes`. `this` must outlive `routes`' use.
  void Register(http::RouteTable& routes);

  // Answers GET /v1/ws with an upgrade to Serve().
  boost::asio::awaitable<http::HttpResponse> Upgrade(http::HttpRequest& request);

  // Serves one upgraded connection until it ends; every query it started is finished
  // (cancelled if need be) before it returns. `token` is the URL's token (may be empty);
  // `request_id` is the upgrade request's id. Call on the connection's strand; the
  // connection outlives the call (the HTTP server co_awaits it).
  boost::asio::awaitable<void> Serve(http::WebSocketConnection& connection, std::string token,
                                     std::string request_id, Principal principal = {});

  const WsStats& stats() const { return stats_; }

 private:
  const pipeline::Pipeline& pipeline_;
  DecisionFeed& feed_;
  IdGenerator& ids_;
  const Clock& clock_;
  WsStreamOpener open_stream_;
  WsAuthenticator authenticator_;
  WsApiOptions options_;
  WsStats stats_;

  friend class WsSession;
};

}  // namespace amaima::api
