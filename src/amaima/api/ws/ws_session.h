#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/api/ws/decision_feed.h"
#include "amaima/api/ws/ws_api.h"
#include "amaima/api/ws/ws_messages.h"
#include "amaima/core/access.h"
#include "amaima/core/result.h"
#include "amaima/http/server/websocket.h"
#include "amaima/providers/chat_types.h"

namespace amaima::api {

// The protocol state of one WebSocket connection of WsApi: authentication, the queries
// in flight (by client id), the decision subscription and the ping timer.
//
// Owns a small task group: every coroutine it starts (one per query, the ping loop, the
// subscription pump) runs on the connection's strand, borrows `this`, and is finished
// before Run() returns; the session must live until then.
//
// @par Thread Safety
// Everything runs on the connection's strand (`executor`); no locks.
class WsSession {
 public:
  // `principal`: who upgraded the connection (its organisation records the decisions, its
  // execution switch applies).
  WsSession(WsApi& api, http::WebSocketConnection& connection,
            const boost::asio::any_io_executor& executor, std::string request_id,
            Principal principal = {});
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;
  WsSession(WsSession&&) = delete;
  WsSession& operator=(WsSession&&) = delete;
  ~WsSession();

  // Reads and answers messages until the connection ends, then cancels and awaits every
  // task. `token` is the URL's (may be empty).
  boost::asio::awaitable<void> Run(std::string token);

 private:
  // One query in flight. Its timer never expires: cancelling it wakes the query.
  struct Query {
    explicit Query(const boost::asio::any_io_executor& executor);
    boost::asio::steady_timer cancel_wake;
    bool cancelled{false};
  };

  struct Envelope {
    std::string type{};
    std::optional<std::string> id{};
    const boost::json::object* payload{nullptr};  // Into the parsed message; null if absent.
  };

  boost::asio::awaitable<void> Dispatch(std::string_view text);
  boost::asio::awaitable<void> Authenticate(const std::optional<std::string>& id,
                                            std::string_view token);
  boost::asio::awaitable<void> StartQuery(const Envelope& envelope);
  boost::asio::awaitable<void> Cancel(const Envelope& envelope);
  boost::asio::awaitable<void> Subscribe(const Envelope& envelope);
  boost::asio::awaitable<void> Unsubscribe(const Envelope& envelope);

  // The spawned tasks; parameters by value (they outlive the caller's frame).
  boost::asio::awaitable<void> RunQuery(std::string id, QueryRequest parsed,
                                        std::optional<providers::ChatRequest> chat);
  boost::asio::awaitable<void> PingLoop();
  boost::asio::awaitable<void> PumpDecisions(std::unique_ptr<DecisionFeed::Subscription> feed,
                                             std::optional<std::string> id);

  // The body of RunQuery: returns the terminal message (complete or error) to send once
  // the query is forgotten. `query` is owned by queries_ until then.
  boost::asio::awaitable<std::string> Execute(const std::string& id, Query& query,
                                              QueryRequest parsed,
                                              std::optional<providers::ChatRequest> chat);
  // Completes when `query` is cancelled, or when the awaiting `||` cancels it.
  static boost::asio::awaitable<void> WaitForCancel(Query& query);

  // Starts `task` in the task group.
  void Spawn(boost::asio::awaitable<void> task);
  boost::asio::awaitable<void> RunTask(boost::asio::awaitable<void> task);
  // Cancels every task and waits for all of them.
  boost::asio::awaitable<void> WindDown();

  boost::asio::awaitable<void> Send(std::string message);
  boost::asio::awaitable<void> SendError(const std::optional<std::string>& id, const Error& error,
                                         std::string_view request_id);

  WsApi& api_;
  http::WebSocketConnection& connection_;
  boost::asio::any_io_executor executor_;
  std::string request_id_;  // Of the upgrade request: protocol errors carry it.
  Principal caller_;        // Who upgraded the connection (HTTP-level authentication).
  bool authenticated_{false};
  std::string principal_{};
  bool ending_{false};  // The connection is over; tasks are being cancelled.
  std::map<std::string, std::unique_ptr<Query>, std::less<>> queries_;
  DecisionFeed::Subscription* subscription_{nullptr};  // Owned by its PumpDecisions task.
  boost::asio::steady_timer ping_timer_;
  bool awaiting_pong_{false};
  std::uint64_t pings_sent_{0};
  int tasks_{0};
  boost::asio::steady_timer tasks_done_;  // Cancelled when tasks_ drops to 0.
};

}  // namespace amaima::api
