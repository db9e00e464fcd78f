// End-to-end tests of the WebSocket surface, GET /v1/ws: the real `amaima serve` (with
// execution against the fake provider on loopback, and decision-only), driven by a Boost.Beast
// WebSocket client; and the HTTP server with WsApi in-process, for what needs millisecond
// ping intervals or a test authenticator.
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/api/ws/ws_api.h"
#include "amaima/http/server/http_server.h"
#include "test/support/fake_clock.h"
#include "test/support/fake_provider/fake_provider.h"
#include "test/support/http_client.h"
#include "test/support/server_process.h"
#include "test/support/websocket_client.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;
namespace net = boost::asio;

std::string QueryMessage(const std::string& id, const std::string& text) {
  return R"({"type":"query","id":")" + id + R"(","payload":{"query":")" + text + R"("}})";
}

// Receives one message and parses it; a closed connection fails the test.
json::value Next(WebSocketClient& client) {
  const WsReceived received = client.Receive();
  if (received.closed) {
    ADD_FAILURE() << "connection closed (code " << received.close_code << ")";
    return json::value(nullptr);
  }
  return json::parse(received.text);
}

// Everything one query produced, up to its complete or error.
struct Answer {
  json::value decision{};
  std::string text{};
  json::value last{};  // The complete or error message.
};

// Reads until every id in `ids` has its complete or error; messages of other types
// (ping, event) are skipped.
std::map<std::string, Answer> Collect(WebSocketClient& client, std::set<std::string> ids) {
  std::map<std::string, Answer> answers;
  while (!ids.empty()) {
    const json::value message = Next(client);
    if (message.is_null()) {
      break;
    }
    const std::string type(message.at("type").as_string());
    if (type == "ping" || type == "event" || type == "authenticated") {
      continue;
    }
    const std::string id(message.at("id").as_string());
    Answer& answer = answers[id];
    if (type == "decision") {
      answer.decision = message.at("payload");
    } else if (type == "chunk") {
      answer.text += std::string(message.at("payload").at("content").as_string());
    } else {
      answer.last = message;
      ids.erase(id);
    }
  }
  return answers;
}

class WebSocketExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value()) << fake.error().message;
    fake_ = std::move(*fake);
    data_dir_ = MakeTempDir();
    const std::string base = fake_->base_url();
    server_ = std::make_unique<ServerProcess>(
        data_dir_, std::vector<std::string>{},
        std::vector<std::string>{"AMAIMA_EXECUTION_MODE=execution-enabled",
                                 "AMAIMA_PROVIDERS__OPENAI__BASE_URL=" + base + "/v1",
                                 "AMAIMA_PROVIDERS__ANTHROPIC__BASE_URL=" + base,
                                 "AMAIMA_PROVIDERS__GEMINI__BASE_URL=" + base,
                                 "AMAIMA_PROVIDERS__OLLAMA__BASE_URL=" + base,
                                 "AMAIMA_PROVIDERS__OPENAI__BACKOFF_BASE_MS=1",
                                 "AMAIMA_PROVIDERS__OPENAI__API_KEY=sk-upstream"});
    server_->Start();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  std::unique_ptr<FakeProvider> fake_;
  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WebSocketExecutionTest, AQueryIsDecidedStreamedAndCompleted) {
  WebSocketClient client(server_->port(), "/v1/ws");

  ASSERT_TRUE(client.Send(QueryMessage("q1", "hello there")));
  const auto answers = Collect(client, {"q1"});

  const Answer& answer = answers.at("q1");
  EXPECT_FALSE(answer.decision.at("decision_id").as_string().empty());
  EXPECT_EQ(answer.text, "Echo: hello there");
  ASSERT_EQ(answer.last.at("type"), "complete") << json::serialize(answer.last);
  const json::value& complete = answer.last.at("payload");
  EXPECT_EQ(complete.at("decision_id"), answer.decision.at("decision_id"));
  EXPECT_EQ(complete.at("simulated"), false);
  EXPECT_EQ(complete.at("finish_reason"), "stop");
  EXPECT_GT(complete.at("usage").at("completion_tokens").as_int64(), 0);
  EXPECT_FALSE(complete.at("model").as_string().empty());
  client.Close();
}

TEST_F(WebSocketExecutionTest, TheOrganisationsSwitchAndItsNameApplyToWebSocketQueries) {
  HttpClient admin(server_->port());
  ASSERT_EQ(admin.Post("/v1/admin/orgs", R"({"org_id":"acme"})").status, 201);
  const ClientResponse created = admin.Post("/v1/admin/keys", R"({"org_id":"acme","role":"user"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key(json::parse(created.body).at("key").as_string());
  ASSERT_EQ(admin
                .Request("PUT", "/v1/admin/orgs/acme/execution-mode",
                         R"({"execution_mode":"decision-only"})")
                .status,
            200);
  WebSocketClient client(server_->port(), "/v1/ws?token=" + key);
  ASSERT_TRUE(client.Send(QueryMessage("q1", "hello there")));
  const auto answers = Collect(client, {"q1"});
  const Answer& answer = answers.at("q1");
  EXPECT_EQ(answer.decision.at("org_id"), "acme");
  EXPECT_EQ(answer.decision.at("execution_mode"), "decision-only");
  ASSERT_EQ(answer.last.at("type"), "complete") << json::serialize(answer.last);
  EXPECT_EQ(answer.last.at("payload").at("simulated"), true);
  EXPECT_EQ(fake_->requests().size(), 0U);
  client.Close();
}

TEST_F(WebSocketExecutionTest, SeveralQueriesRunAtOnceOnOneConnection) {
  FakeRule slow;
  slow.chunk_delay = std::chrono::milliseconds(5);
  fake_->AddRule(slow);
  WebSocketClient client(server_->port(), "/v1/ws");

  for (const std::string id : {"a", "b", "c"}) {
    ASSERT_TRUE(client.Send(QueryMessage(id, "query " + id + " in flight")));
  }
  const auto answers = Collect(client, {"a", "b", "c"});

  for (const std::string id : {"a", "b", "c"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(answers.at(id).text, "Echo: query " + id + " in flight");
    EXPECT_EQ(answers.at(id).last.at("type"), "complete");
  }
  client.Close();
}

TEST_F(WebSocketExecutionTest, CancelStopsTheUpstreamStream) {
  FakeRule stall;
  stall.hang_after_chunks = 2;  // The role chunk and one word, then nothing until the client
                                // goes away.
  fake_->AddRule(stall);
  WebSocketClient client(server_->port(), "/v1/ws");
  ASSERT_TRUE(client.Send(QueryMessage("long", "tell me everything")));
  ASSERT_EQ(Next(client).at("type"), "decision");
  ASSERT_EQ(Next(client).at("type"), "chunk");

  ASSERT_TRUE(client.Send(R"({"type":"cancel","id":"long"})"));
  const json::value answer = Next(client);

  EXPECT_EQ(answer.at("type"), "error");
  EXPECT_EQ(answer.at("id"), "long");
  EXPECT_EQ(answer.at("payload").at("code"), "QUERY_CANCELLED");
  EXPECT_TRUE(
      fake_->WaitFor([](const FakeProviderCounters& c) { return c.client_disconnects >= 1; }));
  client.Close();
}

TEST_F(WebSocketExecutionTest, MalformedMessagesAreAnsweredAndTheConnectionStaysOpen) {
  WebSocketClient client(server_->port(), "/v1/ws");

  ASSERT_TRUE(client.Send("{this is not json"));
  const json::value invalid = Next(client);
  ASSERT_TRUE(client.Send(R"({"type":"teleport","id":"t"})"));
  const json::value unknown = Next(client);
  ASSERT_TRUE(client.Send(R"({"type":"query","payload":{"query":"x"}})"));
  const json::value no_id = Next(client);
  ASSERT_TRUE(client.Send(QueryMessage("ok", "still here")));
  const auto answers = Collect(client, {"ok"});

  EXPECT_EQ(invalid.at("payload").at("code"), "VALIDATION_INVALID_JSON");
  EXPECT_EQ(unknown.at("payload").at("code"), "VALIDATION_INVALID_VALUE");
  EXPECT_EQ(unknown.at("id"), "t");
  EXPECT_EQ(no_id.at("payload").at("code"), "VALIDATION_MISSING_FIELD");
  EXPECT_EQ(no_id.at("payload").at("details").at("field"), "id");
  EXPECT_EQ(answers.at("ok").last.at("type"), "complete");
  client.Close();
}

TEST_F(WebSocketExecutionTest, AMessageOverTheSizeLimitClosesWith1009) {
  WebSocketClient client(server_->port(), "/v1/ws");

  ASSERT_TRUE(client.Send(std::string((1U << 20) + 100, 'x')));
  const WsReceived received = client.Receive();

  EXPECT_TRUE(received.closed);
  EXPECT_EQ(received.close_code, 1009);
}

TEST_F(WebSocketExecutionTest, APlainGetIsRefusedWithAPreciseError) {
  HttpClient http(server_->port());

  const ClientResponse response = http.Get("/v1/ws");

  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "VALIDATION_UPGRADE_REQUIRED");
}

TEST_F(WebSocketExecutionTest, ShutdownClosesConnectionsWith1001) {
  WebSocketClient client(server_->port(), "/v1/ws");
  ASSERT_TRUE(client.Send(QueryMessage("q", "hi")));
  Collect(client, {"q"});  // The connection is upgraded and served.

  server_->Signal(SIGTERM);
  const WsReceived received = client.Receive();

  EXPECT_TRUE(received.closed);
  EXPECT_EQ(received.close_code, 1001);
  EXPECT_EQ(server_->Wait(), 0);
}

TEST_F(WebSocketExecutionTest, SubscribersSeeDecisionsRecordedByOtherClients) {
  WebSocketClient client(server_->port(), "/v1/ws");
  ASSERT_TRUE(
      client.Send(R"({"type":"subscribe","id":"feed","payload":{"topics":["decisions"]}})"));
  ASSERT_EQ(Next(client).at("type"), "subscribed");
  HttpClient http(server_->port());

  const ClientResponse simulated = http.Post("/v1/simulate", R"({"query": "what is 2 + 2?"})");
  ASSERT_EQ(simulated.status, 200);
  const json::value event = Next(client);

  EXPECT_EQ(event.at("type"), "event");
  EXPECT_EQ(event.at("id"), "feed");
  EXPECT_EQ(event.at("topic"), "decisions");
  EXPECT_EQ(event.at("payload").at("decision_id"),
            json::value(simulated.headers.at("x-amaima-decision-id")));
  client.Close();
}

// A user's subscription carries its own decisions (read_own_decisions); an admin's, its
// organisation's (read_org_decisions).
TEST_F(WebSocketExecutionTest, SubscribersSeeOnlyTheDecisionsTheyMayRead) {
  HttpClient admin(server_->port());
  ASSERT_EQ(admin.Post("/v1/admin/orgs", R"({"org_id":"acme"})").status, 201);
  const auto create_key = [&admin](const std::string& role) {
    const ClientResponse created =
        admin.Post("/v1/admin/keys", R"({"org_id":"acme","role":")" + role + R"("})");
    EXPECT_EQ(created.status, 201) << created.body;
    return std::string(json::parse(created.body).at("key").as_string());
  };
  const std::string key = create_key("user");
  const std::string colleague_key = create_key("user");
  const std::string acme_admin_key = create_key("admin");
  WebSocketClient client(server_->port(), "/v1/ws?token=" + key);
  WebSocketClient acme_admin(server_->port(), "/v1/ws?token=" + acme_admin_key);
  for (WebSocketClient* subscriber : {&client, &acme_admin}) {
    ASSERT_TRUE(
        subscriber->Send(R"({"type":"subscribe","id":"feed","payload":{"topics":["decisions"]}})"));
    ASSERT_EQ(Next(*subscriber).at("type"), "subscribed");
  }

  // The default organisation's decision, a colleague's, then the user's own: the user's
  // subscription gets only its own; acme's admin gets both of acme's.
  ASSERT_EQ(admin.Post("/v1/simulate", R"({"query": "not yours"})").status, 200);
  HttpClient colleague(server_->port(), colleague_key);
  const ClientResponse theirs = colleague.Post("/v1/simulate", R"({"query": "a colleague's"})");
  ASSERT_EQ(theirs.status, 200);
  HttpClient acme(server_->port(), key);
  const ClientResponse own = acme.Post("/v1/simulate", R"({"query": "yours"})");
  ASSERT_EQ(own.status, 200);
  const json::value event = Next(client);
  EXPECT_EQ(event.at("payload").at("decision_id"),
            json::value(own.headers.at("x-amaima-decision-id")));
  EXPECT_EQ(event.at("payload").at("org_id"), "acme");
  EXPECT_EQ(Next(acme_admin).at("payload").at("decision_id"),
            json::value(theirs.headers.at("x-amaima-decision-id")));
  EXPECT_EQ(Next(acme_admin).at("payload").at("decision_id"),
            json::value(own.headers.at("x-amaima-decision-id")));
  client.Close();
  acme_admin.Close();
}

TEST(WebSocketDecisionOnlyTest, AQueryIsDecidedAndCompletedAsASimulation) {
  const std::string dir = MakeTempDir();
  ServerProcess server(dir);
  server.Start();
  WebSocketClient client(server.port(), "/v1/ws");

  ASSERT_TRUE(client.Send(QueryMessage("s", "summarise this paragraph")));
  const auto answers = Collect(client, {"s"});

  const Answer& answer = answers.at("s");
  EXPECT_TRUE(answer.text.empty());
  ASSERT_EQ(answer.last.at("type"), "complete");
  EXPECT_EQ(answer.last.at("payload").at("simulated"), true);
  EXPECT_EQ(answer.last.at("payload").at("output"), "Simulation only - no execution.");
  EXPECT_EQ(answer.last.at("payload").at("decision_id"), answer.decision.at("decision_id"));
  HttpClient http(server.port());
  const std::string decision_id(answer.decision.at("decision_id").as_string());
  EXPECT_EQ(http.Get("/v1/decisions/" + decision_id).status, 200);  // It was recorded.
  client.Close();
  std::filesystem::remove_all(dir);
}

// The HTTP server and WsApi in this process, over loopback: millisecond ping intervals and
// a test authenticator, which the binary's configuration does not offer.
class DecideAtOnce final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "routing"; }

  net::awaitable<Result<pipeline::Verdict>> OnRequest(pipeline::Exchange& exchange) override {
    routing::Decision decision;
    decision.decision_id = "decision-of-" + exchange.route_request.query;
    exchange.decision = decision;
    exchange.recorded_decision = R"({"decision_id":")" + decision.decision_id + "\"}";
    co_return pipeline::Verdict::kContinue;
  }
};

// The HTTP-level authenticator of the in-process server: everyone is an admin, so that the
// WebSocket-level authenticator under test alone decides.
boost::asio::awaitable<Result<Principal>> EveryoneIsAdmin(const http::HttpRequest& /*request*/) {
  Principal principal;
  principal.authenticated = true;
  principal.org_id = "default";
  principal.role = Role::kAdmin;
  co_return principal;
}

class WebSocketInProcessTest : public ::testing::Test {
 protected:
  void Start(api::WsAuthenticator authenticator) {
    std::vector<std::unique_ptr<pipeline::Stage>> stages;
    stages.push_back(std::make_unique<DecideAtOnce>());
    pipeline_ = std::make_unique<pipeline::Pipeline>(std::move(stages));
    api::WsApiOptions options;
    options.ping_interval = std::chrono::milliseconds(10);
    options.pong_timeout = std::chrono::milliseconds(50);
    api_ = std::make_unique<api::WsApi>(*pipeline_, feed_, ids_, clock_, nullptr,
                                        std::move(authenticator), options);
    api_->Register(routes_);
    http::HttpServerOptions http_options;
    http_options.port = 0;
    http_options.authenticator = EveryoneIsAdmin;
    auto server = http::HttpServer::Create(io_, http_options, routes_, ids_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    server_->Start();
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }

  void TearDown() override {
    if (server_) {
      net::co_spawn(io_, server_->Stop(std::chrono::milliseconds(5000)), net::use_future).get();
    }
    work_.reset();
    for (auto& thread : threads_) {
      thread.join();
    }
  }

  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_{io_.get_executor()};
  FakeClock clock_;
  IdGenerator ids_{clock_};
  api::DecisionFeed feed_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<api::WsApi> api_;
  http::RouteTable routes_;
  std::unique_ptr<http::HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(WebSocketInProcessTest, AClientThatAnswersPingsStaysAndOneThatDoesNotIsClosedWith1008) {
  Start(nullptr);
  WebSocketClient polite(server_->port(), "/v1/ws");
  WebSocketClient silent(server_->port(), "/v1/ws");

  for (int i = 0; i < 5; ++i) {
    const json::value ping = Next(polite);
    ASSERT_EQ(ping.at("type"), "ping");
    ASSERT_TRUE(polite.Send(R"({"type":"pong","id":)" + json::serialize(ping.at("id")) + "}"));
  }
  ASSERT_EQ(Next(silent).at("type"), "ping");
  const WsReceived closed = silent.Receive();

  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1008);
  EXPECT_GE(api_->stats().ping_timeouts.load(), 1U);
  ASSERT_TRUE(polite.Send(QueryMessage("q", "x")));  // The polite one is still served.
  EXPECT_EQ(Collect(polite, {"q"}).at("q").last.at("type"), "complete");
  polite.Close();
}

api::WsAuthenticator OnlyGood() {
  return [](std::string_view token) -> Result<std::string> {
    if (token == "good") {
      return std::string("tester");
    }
    return Fail(ErrorCode::kUnauthenticated, "unknown token");
  };
}

TEST_F(WebSocketInProcessTest, TheAuthenticatorDecidesOnTheUrlToken) {
  Start(OnlyGood());
  WebSocketClient rejected(server_->port(), "/v1/ws?token=bad");
  WebSocketClient accepted(server_->port(), "/v1/ws?token=good");

  const json::value error = Next(rejected);
  const WsReceived closed = rejected.Receive();
  ASSERT_TRUE(accepted.Send(QueryMessage("q", "x")));
  const auto answers = Collect(accepted, {"q"});

  EXPECT_EQ(error.at("payload").at("code"), "AUTH_INVALID_TOKEN");
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1008);
  EXPECT_EQ(answers.at("q").last.at("type"), "complete");
  accepted.Close();
}

}  // namespace
}  // namespace amaima::testing
