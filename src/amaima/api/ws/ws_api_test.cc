// The WebSocket protocol of WsApi over an in-memory connection, on one io_context: the
// test script and the session take turns on one thread, so every run is the same.
#include "amaima/api/ws/ws_api.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/api/ws/ws_session.h"
#include "test/support/fake_clock.h"

namespace amaima::api {
namespace {

namespace net = boost::asio;
namespace json = boost::json;
using MessageChannel = net::experimental::channel<void(boost::system::error_code, std::string)>;

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
// Named, not a braced temporary inside co_await (CONVENTIONS §2.5).
const boost::system::error_code kNoError{};

// The client's end of an in-memory WebSocket: the test pushes messages in and reads the
// server's messages out. Close() by the server records the code and, like a real peer
// answering the close frame, ends the pending Read().
class FakeConnection final : public http::WebSocketConnection {
 public:
  explicit FakeConnection(const net::any_io_executor& executor)
      : inbox_(executor, 64), outbox_(executor, 4096) {}

  // Test side.
  void Push(const std::string& message) {
    ASSERT_TRUE(inbox_.try_send(std::error_code{}, message));
  }

  void PeerCloses() { inbox_.close(); }

  net::awaitable<json::value> Next() {
    auto [ec, text] = co_await outbox_.async_receive(kAsTuple);
    if (ec) {
      co_return json::value(nullptr);
    }
    co_return json::parse(text);
  }

  std::optional<http::CloseCode> close_code() const { return close_code_; }

  // Server side.
  net::awaitable<Result<std::string>> Read() override {
    auto [ec, text] = co_await inbox_.async_receive(kAsTuple);
    if (ec) {
      over_ = true;
      co_return Fail(ErrorCode::kCancelled, "WS_CLOSED", "closed");
    }
    co_return text;
  }

  net::awaitable<Status> Write(std::string message) override {
    if (closing()) {
      co_return Fail(ErrorCode::kUnavailable, "WS_CLOSED", "closed");
    }
    auto [ec] = co_await outbox_.async_send(kNoError, std::move(message), kAsTuple);
    if (ec) {
      co_return Fail(ErrorCode::kUnavailable, "WS_CLOSED", "closed");
    }
    co_return Status{};
  }

  net::awaitable<void> Close(http::CloseCode code, std::string /*reason*/) override {
    if (!close_code_) {
      close_code_ = code;
    }
    inbox_.close();
    outbox_.close();
    co_return;
  }

  bool closing() const override { return close_code_.has_value() || over_; }

 private:
  MessageChannel inbox_;
  MessageChannel outbox_;
  std::optional<http::CloseCode> close_code_;
  bool over_{false};
};

// Decides instantly; the decision id is "d-<query>", and the recorded decision says which
// query it was for. The query "fail" is refused like an unsatisfiable policy.
class FakeRoutingStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "routing"; }

  net::awaitable<Result<pipeline::Verdict>> OnRequest(pipeline::Exchange& exchange) override {
    const std::string& query = exchange.route_request.query;
    if (query == "fail") {
      co_return Fail(ErrorCode::kFailedPrecondition, "QUERY_NO_ROUTE", "no model fits");
    }
    routing::Decision decision;
    decision.decision_id = "d-" + query;
    decision.route.model = "fake-model";
    exchange.decision = decision;
    exchange.recorded_decision = json::serialize(json::object{
        {"decision_id", decision.decision_id},
        {"query", query},
        {"execution_mode_active",
         exchange.route_request.execution_mode == config::ExecutionMode::kExecutionEnabled}});
    co_return pipeline::Verdict::kContinue;
  }
};

// A scripted upstream answer: "Hel", "lo" (finish "stop", usage 3/2), or for the query
// "hang" a first piece and then nothing until it is destroyed; "broken" fails after one
// piece.
class FakeTokenStream final : public providers::TokenStream {
 public:
  FakeTokenStream(std::string mode, int& destroyed)
      : mode_(std::move(mode)), destroyed_(destroyed) {}

  ~FakeTokenStream() override { ++destroyed_; }

  net::awaitable<Result<std::optional<providers::ChatChunk>>> Next() override {
    providers::ChatChunk chunk;
    ++step_;
    if (step_ == 1) {
      chunk.role_start = true;  // No text: not forwarded.
      co_return chunk;
    }
    if (step_ == 2) {
      chunk.content = "Hel";
      co_return chunk;
    }
    if (mode_ == "hang") {
      net::steady_timer forever(co_await net::this_coro::executor, std::chrono::hours(24));
      co_await forever.async_wait(kAsTuple);
      co_return std::optional<providers::ChatChunk>{};
    }
    if (mode_ == "broken") {
      co_return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR", "the upstream cut off");
    }
    if (step_ == 3) {
      chunk.content = "lo";
      chunk.tool_calls.push_back(providers::ToolCallDelta{0, "call-1", "lookup", "{}"});
      co_return chunk;
    }
    if (step_ == 4) {
      chunk.finish_reason = "stop";
      chunk.usage = providers::Usage{3, 2, false};
      co_return chunk;
    }
    co_return std::optional<providers::ChatChunk>{};
  }

 private:
  std::string mode_;
  int& destroyed_;
  int step_{0};
};

std::string QueryMessage(const std::string& id, const std::string& text) {
  return R"({"type":"query","id":")" + id + R"(","payload":{"query":")" + text + R"("}})";
}

class WsApiTest : public ::testing::Test {
 protected:
  WsApiTest() {
    std::vector<std::unique_ptr<pipeline::Stage>> stages;
    stages.push_back(std::make_unique<FakeRoutingStage>());
    pipeline_ = std::make_unique<pipeline::Pipeline>(std::move(stages));
  }

  void MakeApi(bool execute, WsAuthenticator authenticator = nullptr) {
    WsStreamOpener opener;
    if (execute) {
      opener = [this](const pipeline::Exchange& exchange, providers::ChatRequest request) {
        return Open(exchange, std::move(request));
      };
    }
    api_ = std::make_unique<WsApi>(*pipeline_, feed_, ids_, clock_, std::move(opener),
                                   std::move(authenticator), options_);
  }

  net::awaitable<Result<pipeline::OpenedStream>> Open(const pipeline::Exchange& exchange,
                                                      providers::ChatRequest request) {
    requests_.push_back(request);
    const std::string& query = exchange.route_request.query;
    if (query == "down") {
      co_return Fail(ErrorCode::kUnavailable, "SYSTEM_NO_HEALTHY_UPSTREAM", "every model failed");
    }
    pipeline::OpenedStream opened;
    opened.model = "fake-model";
    opened.provider = "fake";
    opened.stream = std::make_unique<FakeTokenStream>(query, streams_destroyed_);
    co_return opened;
  }

  // Runs `script` against a served connection until both are done. The script must end
  // the connection (PeerCloses) unless the server closes it.
  template <typename Script>
  void Run(Script script, std::string token = "") {
    // The connection's channel belongs to the io_context's services: it goes first.
    connection_.reset();
    io_ = std::make_unique<net::io_context>();
    auto executor = io_->get_executor();
    connection_ = std::make_unique<FakeConnection>(executor);
    auto both = Both(std::move(token), script(*connection_));
    auto done = net::co_spawn(*io_, std::move(both), net::use_future);
    io_->run();
    done.get();
  }

  net::awaitable<void> Both(std::string token, net::awaitable<void> script) {
    using namespace net::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
    auto served = api_->Serve(*connection_, std::move(token), "upgrade-request");
    co_await (std::move(served) && std::move(script));
  }

  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  DecisionFeed feed_{4};
  WsApiOptions options_{};
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<WsApi> api_;
  std::unique_ptr<net::io_context> io_;  // Outlives connection_ (declared before it).
  std::unique_ptr<FakeConnection> connection_;
  std::vector<providers::ChatRequest> requests_;
  int streams_destroyed_{0};
};

net::awaitable<void> StreamedQueryScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(R"({"type":"query","id":"q1","payload":{"query":"hello","max_tokens":7}})");
  for (int i = 0; i < 4; ++i) {
    got.push_back(co_await c.Next());
  }
  c.PeerCloses();
}

TEST_F(WsApiTest, AQueryIsDecidedThenStreamedThenCompleted) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return StreamedQueryScript(c, got); });

  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(got[0].at("type"), "decision");
  EXPECT_EQ(got[0].at("id"), "q1");
  EXPECT_EQ(got[0].at("payload").at("decision_id"), "d-hello");
  EXPECT_EQ(got[0].at("payload").at("execution_mode_active"), true);
  EXPECT_EQ(got[1].at("type"), "chunk");
  EXPECT_EQ(got[1].at("payload").at("content"), "Hel");
  EXPECT_EQ(got[2].at("payload").at("content"), "lo");
  EXPECT_EQ(got[2].at("payload").at("tool_calls").at(0).at("name"), "lookup");
  EXPECT_EQ(got[3].at("type"), "complete");
  const json::value& complete = got[3].at("payload");
  EXPECT_EQ(complete.at("decision_id"), "d-hello");
  EXPECT_EQ(complete.at("model"), "fake-model");
  EXPECT_EQ(complete.at("finish_reason"), "stop");
  EXPECT_EQ(complete.at("usage").at("prompt_tokens"), 3);
  EXPECT_EQ(complete.at("usage").at("completion_tokens"), 2);
  EXPECT_EQ(complete.at("usage").at("estimated"), false);
  EXPECT_EQ(complete.at("simulated"), false);
  ASSERT_EQ(requests_.size(), 1U);
  EXPECT_EQ(requests_[0].messages.at(0).role, "user");
  EXPECT_EQ(requests_[0].messages.at(0).content, "hello");
  EXPECT_EQ(requests_[0].max_tokens, 7);
  EXPECT_TRUE(requests_[0].stream);
  EXPECT_EQ(streams_destroyed_, 1);
}

net::awaitable<void> MessagesScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(R"({"type":"query","id":"m","payload":{"model":"auto","messages":[
      {"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}})");
  for (int i = 0; i < 4; ++i) {
    got.push_back(co_await c.Next());
  }
  c.PeerCloses();
}

TEST_F(WsApiTest, MessagesArePassedToTheUpstreamAsAChatRequest) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return MessagesScript(c, got); });

  EXPECT_EQ(got.back().at("type"), "complete");
  ASSERT_EQ(requests_.size(), 1U);
  ASSERT_EQ(requests_[0].messages.size(), 2U);
  EXPECT_EQ(requests_[0].messages[0].role, "system");
  EXPECT_EQ(requests_[0].messages[1].content, "hi");
}

net::awaitable<void> SimulatedScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("s1", "plan a trip"));
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, WithoutExecutionAQueryCompletesAsASimulation) {
  MakeApi(/*execute=*/false);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return SimulatedScript(c, got); });

  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].at("type"), "decision");
  EXPECT_EQ(got[0].at("payload").at("execution_mode_active"), false);
  EXPECT_EQ(got[1].at("type"), "complete");
  EXPECT_EQ(got[1].at("id"), "s1");
  EXPECT_EQ(got[1].at("payload").at("decision_id"), "d-plan a trip");
  EXPECT_EQ(got[1].at("payload").at("simulated"), true);
  EXPECT_EQ(got[1].at("payload").at("output"), "Simulation only - no execution.");
}

net::awaitable<void> CancelScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("slow", "hang"));
  got.push_back(co_await c.Next());  // decision
  got.push_back(co_await c.Next());  // chunk "Hel"; then the upstream hangs
  c.Push(R"({"type":"cancel","id":"slow"})");
  got.push_back(co_await c.Next());
  c.Push(QueryMessage("slow", "hello"));  // The id is free again.
  for (int i = 0; i < 4; ++i) {
    got.push_back(co_await c.Next());
  }
  c.Push(R"({"type":"cancel","id":"nothing"})");
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, CancelReleasesTheUpstreamAndAnswersQueryCancelled) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return CancelScript(c, got); });

  ASSERT_EQ(got.size(), 8U);
  EXPECT_EQ(got[1].at("payload").at("content"), "Hel");
  EXPECT_EQ(got[2].at("type"), "error");
  EXPECT_EQ(got[2].at("id"), "slow");
  EXPECT_EQ(got[2].at("payload").at("code"), "QUERY_CANCELLED");
  EXPECT_EQ(got[2].at("payload").at("details").at("decision_id"), "d-hang");
  EXPECT_EQ(got[3].at("type"), "decision");
  EXPECT_EQ(got[6].at("type"), "complete");
  EXPECT_EQ(got[7].at("payload").at("code"), "QUERY_NOT_FOUND");
  EXPECT_EQ(api_->stats().cancelled_queries.load(), 1U);
  EXPECT_EQ(streams_destroyed_, 2);
}

net::awaitable<void> ConcurrentScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("a", "hang"));
  c.Push(QueryMessage("a", "again"));  // Duplicate while "a" is in flight.
  c.Push(QueryMessage("b", "hello"));
  c.Push(QueryMessage("c", "hello"));
  // a: decision + "Hel"; duplicate: error; b and c: decision + 2 chunks + complete each.
  for (int i = 0; i < 11; ++i) {
    got.push_back(co_await c.Next());
  }
  c.PeerCloses();  // Also cancels "a", still hanging.
}

TEST_F(WsApiTest, ConcurrentQueriesAreAnsweredUnderTheirOwnIds) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return ConcurrentScript(c, got); });

  std::map<std::string, std::vector<std::string>> by_id;
  for (const json::value& message : got) {
    by_id[std::string(message.at("id").as_string())].push_back(
        std::string(message.at("type").as_string()));
  }
  const std::vector<std::string> full{"decision", "chunk", "chunk", "complete"};
  EXPECT_EQ(by_id["b"], full);
  EXPECT_EQ(by_id["c"], full);
  const std::vector<std::string> hanging{"error", "decision", "chunk"};
  auto a = by_id["a"];
  std::sort(a.begin(), a.end());
  auto expected = hanging;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(a, expected);
  bool duplicate = false;
  for (const json::value& message : got) {
    duplicate |=
        message.at("type") == "error" && message.at("payload").at("code") == "QUERY_DUPLICATE_ID";
  }
  EXPECT_TRUE(duplicate);
  EXPECT_EQ(streams_destroyed_, 3);  // "a" was released when the client left.
}

net::awaitable<void> FailuresScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("x", "fail"));
  got.push_back(co_await c.Next());
  c.Push(QueryMessage("y", "down"));
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
  c.Push(QueryMessage("z", "broken"));
  for (int i = 0; i < 3; ++i) {
    got.push_back(co_await c.Next());
  }
  c.PeerCloses();
}

TEST_F(WsApiTest, PipelineAndUpstreamFailuresBecomeErrorsWithTheirCodes) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return FailuresScript(c, got); });

  ASSERT_EQ(got.size(), 6U);
  EXPECT_EQ(got[0].at("payload").at("code"), "QUERY_NO_ROUTE");
  EXPECT_FALSE(got[0].at("payload").at("request_id").as_string().empty());
  EXPECT_EQ(got[1].at("type"), "decision");
  EXPECT_EQ(got[2].at("payload").at("code"), "SYSTEM_NO_HEALTHY_UPSTREAM");
  EXPECT_EQ(got[2].at("payload").at("details").at("decision_id"), "d-down");
  EXPECT_EQ(got[4].at("payload").at("content"), "Hel");
  EXPECT_EQ(got[5].at("payload").at("code"), "UPSTREAM_STREAM_ERROR");
  EXPECT_EQ(got[5].at("id"), "z");
}

struct Case {
  std::string message;
  std::string code;
  std::string field;
};

net::awaitable<void> MalformedScript(FakeConnection& c, const std::vector<Case>& cases,
                                     std::vector<json::value>& got) {
  for (const Case& bad : cases) {
    c.Push(bad.message);
    got.push_back(co_await c.Next());
  }
  c.Push(QueryMessage("still-open", "fine"));  // The connection survived all of it.
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, MalformedMessagesGetPreciseErrorsAndTheConnectionStaysOpen) {
  MakeApi(/*execute=*/false);
  const std::vector<Case> cases{
      {"{not json", "VALIDATION_INVALID_JSON", ""},
      {"[1, 2]", "VALIDATION_INVALID_TYPE", ""},
      {R"({"id":"1"})", "VALIDATION_MISSING_FIELD", "type"},
      {R"({"type":7})", "VALIDATION_INVALID_TYPE", "type"},
      {R"({"type":"dance","id":"1"})", "VALIDATION_INVALID_VALUE", "type"},
      {R"({"type":"query","id":3,"payload":{"query":"x"}})", "VALIDATION_INVALID_TYPE", "id"},
      {R"({"type":"query","payload":{"query":"x"}})", "VALIDATION_MISSING_FIELD", "id"},
      {R"({"type":"query","id":"q"})", "VALIDATION_MISSING_FIELD", "payload"},
      {R"({"type":"query","id":"q","payload":"x"})", "VALIDATION_INVALID_TYPE", "payload"},
      {R"({"type":"query","id":"q","payload":{}})", "VALIDATION_MISSING_FIELD", "query"},
      {R"({"type":"query","id":"q","payload":{"query":""}})", "VALIDATION_INVALID_VALUE", "query"},
      {R"({"type":"cancel"})", "VALIDATION_MISSING_FIELD", "id"},
      {R"({"type":"subscribe","id":"s","payload":{"topics":["weather"]}})",
       "VALIDATION_INVALID_VALUE", "payload.topics[0]"},
      {R"({"type":"subscribe","id":"s","payload":{}})", "VALIDATION_MISSING_FIELD",
       "payload.topics"},
  };
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return MalformedScript(c, cases, got); });

  ASSERT_EQ(got.size(), cases.size() + 2);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].message);
    EXPECT_EQ(got[i].at("type"), "error");
    EXPECT_EQ(got[i].at("payload").at("code"), json::value(cases[i].code));
    EXPECT_EQ(got[i].at("payload").at("request_id"), "upgrade-request");
    EXPECT_FALSE(got[i].at("payload").at("message").as_string().empty());
    if (!cases[i].field.empty()) {
      EXPECT_EQ(got[i].at("payload").at("details").at("field"), json::value(cases[i].field));
    }
  }
  EXPECT_EQ(got[cases.size() + 1].at("type"), "complete");
  EXPECT_FALSE(connection_->close_code().has_value());
}

net::awaitable<void> PingScript(FakeConnection& c, std::vector<json::value>& got) {
  for (int i = 0; i < 3; ++i) {
    got.push_back(co_await c.Next());  // ping
    c.Push(R"({"type":"pong","id":")" + std::string(got.back().at("id").as_string()) + "\"}");
  }
  got.push_back(co_await c.Next());  // the 4th ping, left unanswered
  got.push_back(co_await c.Next());  // nothing more: the connection is closed (null)
}

TEST_F(WsApiTest, PingsAreAnsweredByPongsAndASilentClientIsClosedWith1008) {
  options_.ping_interval = std::chrono::milliseconds(5);
  options_.pong_timeout = std::chrono::milliseconds(20);
  MakeApi(/*execute=*/false);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return PingScript(c, got); });

  ASSERT_EQ(got.size(), 5U);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i].at("type"), "ping");
  }
  EXPECT_NE(got[0].at("id"), got[1].at("id"));
  EXPECT_TRUE(got[4].is_null());
  EXPECT_EQ(connection_->close_code(), http::CloseCode::kPolicyViolation);
  EXPECT_EQ(api_->stats().ping_timeouts.load(), 1U);
}

net::awaitable<void> SubscribeScript(DecisionFeed& feed, FakeConnection& c,
                                     std::vector<json::value>& got) {
  c.Push(R"({"type":"subscribe","id":"sub","payload":{"topics":["decisions"]}})");
  got.push_back(co_await c.Next());                // subscribed
  feed.Publish(R"({"decision_id":"elsewhere"})");  // The recorder publishes any decision.
  got.push_back(co_await c.Next());
  c.Push(R"({"type":"unsubscribe","id":"sub"})");
  got.push_back(co_await c.Next());  // unsubscribed
  feed.Publish(R"({"decision_id":"unseen"})");
  c.Push(QueryMessage("after", "x"));
  got.push_back(co_await c.Next());  // the query's decision, not the event
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, SubscribersReceiveEveryRecordedDecisionUntilTheyUnsubscribe) {
  MakeApi(/*execute=*/false);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return SubscribeScript(feed_, c, got); });

  ASSERT_EQ(got.size(), 5U);
  EXPECT_EQ(got[0].at("type"), "subscribed");
  EXPECT_EQ(got[0].at("payload").at("topics").at(0), "decisions");
  EXPECT_EQ(got[1].at("type"), "event");
  EXPECT_EQ(got[1].at("topic"), "decisions");
  EXPECT_EQ(got[1].at("payload").at("decision_id"), "elsewhere");
  EXPECT_EQ(got[2].at("type"), "unsubscribed");
  EXPECT_EQ(got[3].at("type"), "decision");
  EXPECT_EQ(got[4].at("type"), "complete");
  EXPECT_EQ(feed_.subscriber_count(), 0U);
}

WsAuthenticator TestAuthenticator() {
  return [](std::string_view token) -> Result<std::string> {
    if (token == "good") {
      return std::string("alice");
    }
    return Fail(ErrorCode::kUnauthenticated, "token '" + std::string(token) + "' is not known");
  };
}

net::awaitable<void> UrlTokenScript(FakeConnection& c, std::vector<json::value>& got) {
  got.push_back(co_await c.Next());  // authenticated
  c.Push(QueryMessage("q", "x"));
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, AGoodTokenInTheUrlIsAccepted) {
  MakeApi(/*execute=*/false, TestAuthenticator());
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return UrlTokenScript(c, got); }, "good");

  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].at("type"), "authenticated");
  EXPECT_EQ(got[0].at("id"), nullptr);
  EXPECT_EQ(got[0].at("payload").at("principal"), "alice");
  EXPECT_EQ(got[1].at("type"), "decision");
  EXPECT_EQ(got[2].at("type"), "complete");
  EXPECT_FALSE(connection_->close_code().has_value());
}

net::awaitable<void> RejectedScript(FakeConnection& c, std::vector<json::value>& got) {
  got.push_back(co_await c.Next());  // error
  got.push_back(co_await c.Next());  // closed
}

TEST_F(WsApiTest, ABadTokenInTheUrlIsRejectedAndClosedWith1008) {
  MakeApi(/*execute=*/false, TestAuthenticator());
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return RejectedScript(c, got); }, "forged");

  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].at("payload").at("code"), "AUTH_INVALID_TOKEN");
  EXPECT_TRUE(got[1].is_null());
  EXPECT_EQ(connection_->close_code(), http::CloseCode::kPolicyViolation);
}

net::awaitable<void> AuthMessageScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(R"({"type":"auth","id":"login","payload":{"token":"good"}})");
  got.push_back(co_await c.Next());
  c.Push(QueryMessage("q", "x"));
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
  c.PeerCloses();
}

TEST_F(WsApiTest, AnAuthMessageAuthenticatesTheConnection) {
  MakeApi(/*execute=*/false, TestAuthenticator());
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return AuthMessageScript(c, got); });

  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].at("type"), "authenticated");
  EXPECT_EQ(got[0].at("payload").at("principal"), "alice");
  EXPECT_EQ(got[1].at("type"), "decision");
}

net::awaitable<void> UnauthenticatedScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("q", "x"));
  got.push_back(co_await c.Next());
  got.push_back(co_await c.Next());
}

TEST_F(WsApiTest, WithAnAuthenticatorTheFirstMessageMustAuthenticate) {
  MakeApi(/*execute=*/false, TestAuthenticator());
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return UnauthenticatedScript(c, got); });

  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].at("payload").at("code"), "AUTH_REQUIRED");
  EXPECT_TRUE(got[1].is_null());
  EXPECT_EQ(connection_->close_code(), http::CloseCode::kPolicyViolation);
}

net::awaitable<void> DisconnectScript(FakeConnection& c, std::vector<json::value>& got) {
  c.Push(QueryMessage("h1", "hang"));
  c.Push(QueryMessage("h2", "hang"));
  for (int i = 0; i < 4; ++i) {
    got.push_back(co_await c.Next());
  }
  c.PeerCloses();
}

TEST_F(WsApiTest, AClientThatLeavesCancelsItsQueries) {
  MakeApi(/*execute=*/true);
  std::vector<json::value> got;

  Run([&](FakeConnection& c) { return DisconnectScript(c, got); });

  EXPECT_EQ(streams_destroyed_, 2);
  EXPECT_EQ(api_->stats().cancelled_queries.load(), 2U);
  EXPECT_EQ(api_->stats().active_connections.load(), 0);
}

TEST(WsMessageTest, EscapesIdsAndSplicesThePayload) {
  EXPECT_EQ(WsMessage("ping", std::string("a\"b"), "{}"),
            R"({"type":"ping","id":"a\"b","payload":{}})");
  EXPECT_EQ(WsMessage("event", std::nullopt, R"({"x":1})"),
            R"({"type":"event","id":null,"payload":{"x":1}})");
}

}  // namespace
}  // namespace amaima::api
