#include "amaima/api/ws/ws_session.h"

#include <cstdio>
#include <exception>
#include <utility>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/ws/ws_messages.h"

namespace amaima::api {
namespace {

namespace net = boost::asio;
namespace json = boost::json;

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view kSimulationOutput = "Simulation only - no execution.";
constexpr std::string_view kDecisionsTopic = "decisions";
constexpr std::string_view kKnownTypes = "query, cancel, pong, subscribe, unsubscribe, auth";

Error MissingField(std::string_view field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", std::move(message))
      .With("field", std::string(field));
}

Error TypeError(std::string_view field, std::string_view expected) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE",
              "'" + std::string(field) + "' must be " + std::string(expected))
      .With("field", std::string(field));
}

Error ValueError(std::string_view field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE", std::move(message))
      .With("field", std::string(field));
}

Error AddDecision(Error error, const std::string& decision_id) {
  return std::move(error).With("decision_id", decision_id);
}

Error Cancelled(const std::string& id) {
  return Fail(ErrorCode::kCancelled, "QUERY_CANCELLED", "query '" + id + "' was cancelled")
      .With("id", id);
}

}  // namespace

WsSession::Query::Query(const net::any_io_executor& executor)
    : cancel_wake(executor, net::steady_timer::time_point::max()) {}

WsSession::WsSession(WsApi& api, http::WebSocketConnection& connection,
                     const net::any_io_executor& executor, std::string request_id,
                     Principal principal)
    : api_(api),
      connection_(connection),
      executor_(executor),
      request_id_(std::move(request_id)),
      caller_(std::move(principal)),
      ping_timer_(executor),
      tasks_done_(executor) {}

WsSession::~WsSession() = default;

net::awaitable<void> WsSession::Run(std::string token) {
  if (!api_.authenticator_) {
    authenticated_ = true;
  } else if (!token.empty()) {
    co_await Authenticate(std::nullopt, token);
  }
  Spawn(PingLoop());
  std::exception_ptr failure;
  try {
    for (;;) {
      Result<std::string> message = co_await connection_.Read();
      if (!message) {
        break;  // Closed by either side, too large (closed 1009), or the transport failed.
      }
      if (connection_.closing()) {
        continue;  // Closing (a rejected token, no pong): drain until the peer answers.
      }
      co_await Dispatch(*message);
    }
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  // Tasks borrow `this`: they end before the session does, also after a bug.
  co_await WindDown();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

net::awaitable<void> WsSession::Dispatch(std::string_view text) {
  Result<json::value> parsed = ParseJsonBody(text);
  if (!parsed) {
    co_await SendError(std::nullopt, parsed.error(), request_id_);
    co_return;
  }
  if (!parsed->is_object()) {
    co_await SendError(std::nullopt,
                       Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE",
                            "a message must be a JSON object {\"type\", \"id\", \"payload\"}"),
                       request_id_);
    co_return;
  }
  const json::object& object = parsed->get_object();
  Envelope envelope;
  if (const json::value* id = object.if_contains("id"); id != nullptr && !id->is_null()) {
    if (!id->is_string()) {
      co_await SendError(std::nullopt, TypeError("id", "a string"), request_id_);
      co_return;
    }
    if (id->get_string().empty() || id->get_string().size() > api_.options_.max_id_length) {
      co_await SendError(
          std::nullopt,
          ValueError("id", "'id' must have 1 to " + std::to_string(api_.options_.max_id_length)
                               + " characters"),
          request_id_);
      co_return;
    }
    envelope.id = std::string(id->get_string());
  }
  const json::value* type = object.if_contains("type");
  if (type == nullptr) {
    co_await SendError(
        envelope.id,
        MissingField("type", "a message needs 'type' (one of " + std::string(kKnownTypes) + ")"),
        request_id_);
    co_return;
  }
  if (!type->is_string()) {
    co_await SendError(envelope.id, TypeError("type", "a string"), request_id_);
    co_return;
  }
  envelope.type = std::string(type->get_string());
  if (const json::value* payload = object.if_contains("payload");
      payload != nullptr && !payload->is_null()) {
    if (!payload->is_object()) {
      co_await SendError(envelope.id, TypeError("payload", "an object"), request_id_);
      co_return;
    }
    envelope.payload = &payload->get_object();
  }

  if (envelope.type == "auth") {
    const json::value* token =
        envelope.payload != nullptr ? envelope.payload->if_contains("token") : nullptr;
    if (token == nullptr || !token->is_string()) {
      co_await SendError(envelope.id,
                         token == nullptr ? MissingField("payload.token", "'auth' needs a token")
                                          : TypeError("payload.token", "a string"),
                         request_id_);
      co_return;
    }
    co_await Authenticate(envelope.id, token->get_string());
    co_return;
  }
  if (!authenticated_) {
    co_await SendError(envelope.id,
                       Fail(ErrorCode::kUnauthenticated, "AUTH_REQUIRED",
                            "authenticate first: connect with ?token=... or send "
                            "{\"type\": \"auth\", \"payload\": {\"token\": \"...\"}}"),
                       request_id_);
    co_await connection_.Close(http::CloseCode::kPolicyViolation, "authentication required");
    co_return;
  }
  if (envelope.type == "query") {
    co_await StartQuery(envelope);
  } else if (envelope.type == "cancel") {
    co_await Cancel(envelope);
  } else if (envelope.type == "pong") {
    awaiting_pong_ = false;
  } else if (envelope.type == "subscribe") {
    co_await Subscribe(envelope);
  } else if (envelope.type == "unsubscribe") {
    co_await Unsubscribe(envelope);
  } else {
    co_await SendError(envelope.id,
                       ValueError("type", "unknown message type '" + envelope.type
                                              + "'; expected one of " + std::string(kKnownTypes))
                           .With("type", envelope.type),
                       request_id_);
  }
}

net::awaitable<void> WsSession::Authenticate(const std::optional<std::string>& id,
                                             std::string_view token) {
  if (!api_.authenticator_) {
    authenticated_ = true;  // No authenticator: everyone is welcome.
    co_await Send(WsMessage("authenticated", id, R"({"principal":null})"));
    co_return;
  }
  Result<std::string> principal = api_.authenticator_(token);
  if (!principal) {
    authenticated_ = false;
    co_await SendError(
        id, Fail(ErrorCode::kUnauthenticated, "AUTH_INVALID_TOKEN", principal.error().message),
        request_id_);
    co_await connection_.Close(http::CloseCode::kPolicyViolation, "invalid token");
    co_return;
  }
  authenticated_ = true;
  principal_ = std::move(*principal);
  co_await Send(WsMessage("authenticated", id, R"({"principal":)" + Quoted(principal_) + "}"));
}

net::awaitable<void> WsSession::StartQuery(const Envelope& envelope) {
  if (!envelope.id) {
    co_await SendError(std::nullopt,
                       MissingField("id", "'query' needs an 'id' to match its answers"),
                       request_id_);
    co_return;
  }
  const std::string& id = *envelope.id;
  if (queries_.contains(id)) {
    co_await SendError(id,
                       Fail(ErrorCode::kAlreadyExists, "QUERY_DUPLICATE_ID",
                            "a query with id '" + id + "' is already in flight")
                           .With("id", id),
                       request_id_);
    co_return;
  }
  if (queries_.size() >= api_.options_.max_queries_per_connection) {
    co_await SendError(id,
                       Fail(ErrorCode::kResourceExhausted, "QUERY_TOO_MANY_IN_FLIGHT",
                            "at most " + std::to_string(api_.options_.max_queries_per_connection)
                                + " queries may be in flight on one connection")
                           .With("limit", std::to_string(api_.options_.max_queries_per_connection)),
                       request_id_);
    co_return;
  }
  if (envelope.payload == nullptr) {
    co_await SendError(id, MissingField("payload", "'query' needs a payload"), request_id_);
    co_return;
  }
  Result<QueryRequest> parsed = ParseQueryRequest(json::serialize(*envelope.payload));
  if (!parsed) {
    co_await SendError(id, parsed.error(), request_id_);
    co_return;
  }
  std::optional<providers::ChatRequest> chat;
  if (api_.open_stream_) {
    Result<providers::ChatRequest> request = ChatRequestOfPayload(*envelope.payload);
    if (!request) {
      co_await SendError(id, request.error(), request_id_);
      co_return;
    }
    chat = std::move(*request);
  }
  ++api_.stats_.queries;
  queries_.emplace(id, std::make_unique<Query>(executor_));
  Spawn(RunQuery(id, std::move(*parsed), std::move(chat)));
}

net::awaitable<void> WsSession::Cancel(const Envelope& envelope) {
  if (!envelope.id) {
    co_await SendError(std::nullopt,
                       MissingField("id", "'cancel' needs the 'id' of the query to cancel"),
                       request_id_);
    co_return;
  }
  const auto it = queries_.find(*envelope.id);
  if (it == queries_.end()) {
    co_await SendError(envelope.id,
                       Fail(ErrorCode::kNotFound, "QUERY_NOT_FOUND",
                            "no query with id '" + *envelope.id + "' is in flight")
                           .With("id", *envelope.id),
                       request_id_);
    co_return;
  }
  // The query answers itself (error QUERY_CANCELLED) once its upstream is released.
  it->second->cancelled = true;
  it->second->cancel_wake.cancel();
}

net::awaitable<void> WsSession::Subscribe(const Envelope& envelope) {
  const json::value* topics =
      envelope.payload != nullptr ? envelope.payload->if_contains("topics") : nullptr;
  if (topics == nullptr) {
    co_await SendError(envelope.id,
                       MissingField("payload.topics",
                                    "'subscribe' needs payload.topics, e.g. "
                                    "[\"decisions\"]"),
                       request_id_);
    co_return;
  }
  if (!topics->is_array()) {
    co_await SendError(envelope.id, TypeError("payload.topics", "an array of strings"),
                       request_id_);
    co_return;
  }
  std::size_t index = 0;
  for (const json::value& topic : topics->get_array()) {
    if (!topic.is_string() || topic.get_string() != kDecisionsTopic) {
      const std::string field = "payload.topics[" + std::to_string(index) + "]";
      const std::string name = topic.is_string() ? std::string(topic.get_string()) : "";
      co_await SendError(
          envelope.id,
          ValueError(field, "unknown topic; the topics are: decisions").With("topic", name),
          request_id_);
      co_return;
    }
    ++index;
  }
  if (index > 0 && subscription_ == nullptr) {
    std::unique_ptr<DecisionFeed::Subscription> feed = api_.feed_.Subscribe(executor_);
    subscription_ = feed.get();
    Spawn(PumpDecisions(std::move(feed), envelope.id));
  }
  const std::string payload =
      index > 0 ? R"({"topics":["decisions"]})" : std::string(R"({"topics":[]})");
  co_await Send(WsMessage("subscribed", envelope.id, payload));
}

net::awaitable<void> WsSession::Unsubscribe(const Envelope& envelope) {
  const json::value* topics =
      envelope.payload != nullptr ? envelope.payload->if_contains("topics") : nullptr;
  if (topics != nullptr && !topics->is_array()) {
    co_await SendError(envelope.id, TypeError("payload.topics", "an array of strings"),
                       request_id_);
    co_return;
  }
  std::size_t index = 0;
  if (topics != nullptr) {
    for (const json::value& topic : topics->get_array()) {
      if (!topic.is_string() || topic.get_string() != kDecisionsTopic) {
        co_await SendError(envelope.id,
                           ValueError("payload.topics[" + std::to_string(index) + "]",
                                      "unknown topic; the topics are: decisions"),
                           request_id_);
        co_return;
      }
      ++index;
    }
  }
  const bool all = topics == nullptr || index > 0;
  if (all && subscription_ != nullptr) {
    subscription_->Close();  // Its pump ends and destroys it.
    subscription_ = nullptr;
  }
  co_await Send(WsMessage("unsubscribed", envelope.id,
                          all ? R"({"topics":["decisions"]})" : R"({"topics":[]})"));
}

net::awaitable<void> WsSession::RunQuery(std::string id, QueryRequest parsed,
                                         std::optional<providers::ChatRequest> chat) {
  Query& query = *queries_.at(id);
  std::string last = co_await Execute(id, query, std::move(parsed), std::move(chat));
  // Forget the id before the last message: a client may reuse it as soon as it reads it.
  queries_.erase(id);
  co_await Send(std::move(last));
}

net::awaitable<std::string> WsSession::Execute(const std::string& id, Query& query,
                                               QueryRequest parsed,
                                               std::optional<providers::ChatRequest> chat) {
  pipeline::Exchange exchange;
  exchange.request_id = api_.ids_.NewId();
  exchange.org_id = caller_.Org();
  exchange.principal = caller_;
  exchange.started = api_.clock_.Monotonic();
  exchange.route_request = std::move(parsed.route);
  // The organisation's execution switch applies under the process's mode.
  const bool executes = api_.open_stream_ && caller_.execution_allowed;
  // As the other executing surfaces: the decision is written alongside the upstream call.
  exchange.await_decision_commit = !executes;
  exchange.route_request.execution_mode =
      executes ? config::ExecutionMode::kExecutionEnabled : config::ExecutionMode::kDecisionOnly;
  Status decided = co_await api_.pipeline_.Run(exchange);
  if (!decided) {
    co_return WsErrorMessage(id, decided.error(), exchange.request_id);
  }
  const std::string decision_id = exchange.decision->decision_id;
  co_await Send(WsMessage("decision", id, exchange.recorded_decision));
  if (query.cancelled || ending_) {
    ++api_.stats_.cancelled_queries;
    co_return WsErrorMessage(id, AddDecision(Cancelled(id), decision_id), exchange.request_id);
  }
  if (!executes) {
    json::object payload{
        {"decision_id", decision_id}, {"simulated", true}, {"output", kSimulationOutput}};
    co_return WsMessage("complete", id, json::serialize(payload));
  }

  using namespace net::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
  auto opening = api_.open_stream_(exchange, std::move(*chat));
  auto cancel_open = WaitForCancel(query);
  auto opened = co_await (std::move(opening) || std::move(cancel_open));
  if (opened.index() == 1) {
    ++api_.stats_.cancelled_queries;
    co_return WsErrorMessage(id, AddDecision(Cancelled(id), decision_id), exchange.request_id);
  }
  Result<pipeline::OpenedStream>& stream = std::get<0>(opened);
  if (!stream) {
    co_return WsErrorMessage(id, AddDecision(stream.error(), decision_id), exchange.request_id);
  }
  std::string finish_reason;
  std::optional<providers::Usage> usage;
  for (;;) {
    if (query.cancelled || connection_.closing()) {
      // Destroying the stream closes the upstream connection; the execution is recorded
      // as cancelled.
      stream->stream.reset();
      ++api_.stats_.cancelled_queries;
      co_return WsErrorMessage(id, AddDecision(Cancelled(id), decision_id), exchange.request_id);
    }
    auto next = stream->stream->Next();
    auto cancel_next = WaitForCancel(query);
    auto step = co_await (std::move(next) || std::move(cancel_next));
    if (step.index() == 1) {
      continue;  // Cancelled: handled at the top of the loop.
    }
    Result<std::optional<providers::ChatChunk>>& chunk = std::get<0>(step);
    if (!chunk) {
      co_return WsErrorMessage(id, AddDecision(chunk.error(), decision_id), exchange.request_id);
    }
    if (!*chunk) {
      co_return WsMessage("complete", id,
                          CompletePayload(decision_id, stream->model, finish_reason, usage));
    }
    const providers::ChatChunk& piece = **chunk;
    if (!piece.finish_reason.empty()) {
      finish_reason = piece.finish_reason;
    }
    if (piece.usage) {
      usage = piece.usage;
    }
    if (!piece.content.empty() || !piece.tool_calls.empty()) {
      co_await Send(WsMessage("chunk", id, ChunkPayload(piece)));
    }
  }
}

net::awaitable<void> WsSession::WaitForCancel(Query& query) {
  // Checked here, not by the caller: `||` may start this branch after a cancel arrived.
  if (query.cancelled) {
    co_return;
  }
  co_await query.cancel_wake.async_wait(kAsTuple);
}

net::awaitable<void> WsSession::PingLoop() {
  while (!ending_) {
    ping_timer_.expires_after(api_.options_.ping_interval);
    co_await ping_timer_.async_wait(kAsTuple);
    if (ending_) {
      break;
    }
    awaiting_pong_ = true;
    ++pings_sent_;
    co_await Send(WsMessage("ping", "ping-" + std::to_string(pings_sent_), "{}"));
    if (ending_) {
      break;  // WindDown() cancelled the timer while we were writing.
    }
    ping_timer_.expires_after(api_.options_.pong_timeout);
    co_await ping_timer_.async_wait(kAsTuple);
    if (ending_) {
      break;
    }
    if (awaiting_pong_) {
      ++api_.stats_.ping_timeouts;
      co_await connection_.Close(
          http::CloseCode::kPolicyViolation,
          "no pong within " + std::to_string(api_.options_.pong_timeout.count()) + " ms");
      break;
    }
  }
}

net::awaitable<void> WsSession::PumpDecisions(std::unique_ptr<DecisionFeed::Subscription> feed,
                                              std::optional<std::string> id) {
  for (;;) {
    std::optional<DecisionFeed::Event> event = co_await feed->Next();
    if (!event) {
      break;
    }
    if (!caller_.MaySeeRecord(event->org_id, event->actor)) {
      continue;  // Another organisation's decision.
    }
    std::string message = R"({"type":"event","id":)";
    message += id ? Quoted(*id) : std::string("null");
    message += R"(,"topic":"decisions")";
    if (event->dropped_before > 0) {
      message += R"(,"dropped":)" + std::to_string(event->dropped_before);
    }
    message += R"(,"payload":)";
    message += *event->decision_json;
    message += '}';
    co_await Send(std::move(message));
  }
  if (subscription_ == feed.get()) {
    subscription_ = nullptr;
  }
}

void WsSession::Spawn(net::awaitable<void> task) {
  ++tasks_;
  net::co_spawn(executor_, RunTask(std::move(task)), net::detached);
}

net::awaitable<void> WsSession::RunTask(net::awaitable<void> task) {
  try {
    co_await std::move(task);
  } catch (const std::exception& e) {
    // A task's one catch-all: count it; the connection carries on.
    ++api_.stats_.unexpected_exceptions;
    std::fprintf(stderr,
                 "{\"level\":\"error\",\"msg\":\"websocket task failed\",\"request_id\":\"%s\","
                 "\"error\":\"%s\"}\n",
                 request_id_.c_str(), e.what());
  }
  if (--tasks_ == 0) {
    tasks_done_.cancel();
  }
}

net::awaitable<void> WsSession::WindDown() {
  ending_ = true;
  for (auto& [id, query] : queries_) {
    query->cancelled = true;
    query->cancel_wake.cancel();
  }
  ping_timer_.cancel();
  if (subscription_ != nullptr) {
    subscription_->Close();
    subscription_ = nullptr;
  }
  while (tasks_ > 0) {
    tasks_done_.expires_at(net::steady_timer::time_point::max());
    co_await tasks_done_.async_wait(kAsTuple);
  }
}

net::awaitable<void> WsSession::Send(std::string message) {
  // A failed write means the connection is over; the read loop sees that and winds down.
  Status written = co_await connection_.Write(std::move(message));
  static_cast<void>(written);
}

net::awaitable<void> WsSession::SendError(const std::optional<std::string>& id, const Error& error,
                                          std::string_view request_id) {
  co_await Send(WsErrorMessage(id, error, request_id));
}

}  // namespace amaima::api
