#include "amaima/api/ws/ws_api.h"

#include <utility>

#include <boost/asio/this_coro.hpp>

#include "amaima/api/ws/ws_session.h"

namespace amaima::api {

WsApi::WsApi(const pipeline::Pipeline& pipeline, DecisionFeed& feed, IdGenerator& ids,
             const Clock& clock, WsStreamOpener open_stream, WsAuthenticator authenticator,
             WsApiOptions options)
    : pipeline_(pipeline),
      feed_(feed),
      ids_(ids),
      clock_(clock),
      open_stream_(std::move(open_stream)),
      authenticator_(std::move(authenticator)),
      options_(options) {}

WsApi::~WsApi() = default;

void WsApi::Register(http::RouteTable& routes) {
  // A plain lambda returning the member coroutine's awaitable (not a coroutine lambda).
  routes.Add("GET", "/v1/ws", Permission::kQuery,
             [this](http::HttpRequest& r) { return Upgrade(r); });
}

boost::asio::awaitable<http::HttpResponse> WsApi::Upgrade(http::HttpRequest& request) {
  http::HttpResponse response;
  std::string token = request.QueryParam("token").value_or("");
  std::string request_id = request.request_id;
  // Serve() takes its arguments by value: the request is gone by the time it runs.
  response.websocket = [this, token = std::move(token), request_id = std::move(request_id),
                        principal = request.principal](http::WebSocketConnection& c) {
    return Serve(c, token, request_id, principal);
  };
  co_return response;
}

boost::asio::awaitable<void> WsApi::Serve(http::WebSocketConnection& connection, std::string token,
                                          std::string request_id, Principal principal) {
  ++stats_.connections;
  ++stats_.active_connections;
  const auto executor = co_await boost::asio::this_coro::executor;
  WsSession session(*this, connection, executor, std::move(request_id), std::move(principal));
  try {
    co_await session.Run(std::move(token));
  } catch (const std::exception&) {
    --stats_.active_connections;
    throw;  // To the HTTP server's catch-all (it counts, logs and closes with 1011).
  }
  --stats_.active_connections;
}

}  // namespace amaima::api
