// End-to-end tests of `amaima serve` over loopback: every endpoint, every error
// path, pagination, graceful shutdown and durability across kill -9.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "test/support/http_client.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

json::object Body(const ClientResponse& response) {
  return json::parse(response.body).as_object();
}

// Checks the DESIGN.md §7 error shape and returns error.code.
std::string ErrorCode(const ClientResponse& response) {
  const json::object body = Body(response);
  const json::object& error = body.at("error").as_object();
  EXPECT_TRUE(error.contains("message"));
  EXPECT_TRUE(error.at("details").is_object());
  EXPECT_EQ(error.at("request_id").as_string(), response.headers.at("x-request-id"));
  return std::string(error.at("code").as_string());
}

std::string ErrorField(const ClientResponse& response) {
  const json::object body = Body(response);
  const auto* field = body.at("error").at("details").as_object().if_contains("field");
  return field == nullptr ? "" : std::string(field->as_string());
}

class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = MakeTempDir();
    server_ = std::make_unique<ServerProcess>(data_dir_);
    server_->Start();
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(IntegrationTest, SimulateReturnsACompleteDecision) {
  const ClientResponse response =
      client_->Post("/v1/simulate", R"({"query":"Explain how TCP congestion control works."})");

  ASSERT_EQ(response.status, 200) << response.body;
  const json::object decision = Body(response);
  EXPECT_EQ(decision.at("decision_schema_version").as_string(), "1.1.0");
  EXPECT_EQ(decision.at("decision_id").as_string(), response.headers.at("x-amaima-decision-id"));
  EXPECT_EQ(decision.at("request_id").as_string(), response.headers.at("x-request-id"));
  for (const char* key : {"created_at", "org_id", "query_hash", "complexity", "route", "confidence",
                          "estimates", "security", "execution_mode", "execution_mode_active",
                          "simulated", "versions", "explanation"}) {
    EXPECT_TRUE(decision.contains(key)) << key;
  }
  EXPECT_EQ(decision.at("query_hash").as_string().size(), 64U);
  EXPECT_EQ(decision.at("complexity").at("probabilities").as_object().size(), 5U);
  const json::object& route = decision.at("route").as_object();
  EXPECT_FALSE(route.at("model").as_string().empty());
  EXPECT_FALSE(route.at("provider").as_string().empty());
  EXPECT_FALSE(route.at("reason_codes").as_array().empty());
  EXPECT_TRUE(route.at("fallback_chain").is_array());
  for (const char* key : {"overall", "classifier", "model_fit", "estimate"}) {
    EXPECT_TRUE(decision.at("confidence").as_object().contains(key)) << key;
  }
  for (const char* key : {"input_tokens", "output_tokens", "cost_usd", "latency_ms"}) {
    EXPECT_TRUE(decision.at("estimates").as_object().contains(key)) << key;
  }
  EXPECT_EQ(decision.at("execution_mode").as_string(), "decision-only");
  EXPECT_FALSE(decision.at("execution_mode_active").as_bool());
  EXPECT_TRUE(decision.at("simulated").as_bool());
  EXPECT_FALSE(decision.at("versions").at("router_model").as_string().empty());
}

TEST_F(IntegrationTest, SameQueryGivesTheSameDecisionApartFromIdsAndTimes) {
  const std::string body =
      R"({"query":"Write a SQL query that deletes duplicate rows.","max_tokens":300})";
  json::object first = Body(client_->Post("/v1/simulate", body));
  json::object second = Body(client_->Post("/v1/simulate", body));

  EXPECT_NE(first.at("decision_id"), second.at("decision_id"));
  for (const char* volatile_key : {"decision_id", "created_at", "request_id"}) {
    first.erase(volatile_key);
    second.erase(volatile_key);
  }
  EXPECT_EQ(json::serialize(first), json::serialize(second));
}

TEST_F(IntegrationTest, SimulateAcceptsOpenAiMessagesAndHonoursClientRequestId) {
  const ClientResponse response =
      client_->Request("POST", "/v1/simulate",
                       R"({"model":"auto","messages":[{"role":"system","content":"Be brief."},
          {"role":"user","content":[{"type":"text","text":"hello there"}]}]})",
                       "application/json; charset=utf-8", {{"x-request-id", "client-req-42"}});

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.at("x-request-id"), "client-req-42");
  EXPECT_EQ(Body(response).at("request_id").as_string(), "client-req-42");
  EXPECT_GT(Body(response).at("estimates").at("input_tokens").as_int64(), 2);
}

TEST_F(IntegrationTest, PinnedModelAndConstraintsCarryReasonCodes) {
  const ClientResponse pinned = client_->Post("/v1/simulate", R"({"query":"hi","model":"gpt-4o"})");
  const ClientResponse unknown =
      client_->Post("/v1/simulate", R"({"query":"hi","model":"no-such-model"})");
  const ClientResponse impossible = client_->Post(
      "/v1/simulate", R"({"query":"Prove it.","model":"gpt-4o","max_cost_usd":1e-12})");

  ASSERT_EQ(pinned.status, 200) << pinned.body;
  EXPECT_EQ(Body(pinned).at("route").at("model").as_string(), "gpt-4o");
  EXPECT_EQ(Body(pinned).at("route").at("reason_codes").as_array().at(0).as_string(),
            "PINNED_BY_CLIENT");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ErrorCode(unknown), "VALIDATION_UNKNOWN_MODEL");
  EXPECT_EQ(impossible.status, 422);
  EXPECT_EQ(ErrorCode(impossible), "QUERY_CONSTRAINTS_UNSATISFIABLE");
}

TEST_F(IntegrationTest, GetDecisionReturnsTheRecordedDecision) {
  const ClientResponse created = client_->Post("/v1/simulate", R"({"query":"What is 2+2?"})");
  const std::string id = created.headers.at("x-amaima-decision-id");

  const ClientResponse fetched = client_->Get("/v1/decisions/" + id);
  const ClientResponse missing = client_->Get("/v1/decisions/01890000-0000-7000-8000-000000000000");
  const ClientResponse malformed = client_->Get("/v1/decisions/not-a-uuid");

  ASSERT_EQ(fetched.status, 200);
  // The decision as answered, plus its feedback (none yet).
  EXPECT_EQ(fetched.body, created.body.substr(0, created.body.size() - 1) + R"(,"feedback":[]})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "QUERY_DECISION_NOT_FOUND");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(ErrorField(malformed), "id");
}

TEST_F(IntegrationTest, ListDecisionsPaginatesNewestFirstWithoutGapsOrRepeats) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) {
    const ClientResponse r =
        client_->Post("/v1/simulate", R"({"query":"question number )" + std::to_string(i) + "\"}");
    created.push_back(r.headers.at("x-amaima-decision-id"));
  }

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const ClientResponse page =
        client_->Get("/v1/decisions?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    const json::object body = Body(page);
    for (const auto& item : body.at("data").as_array()) {
      seen.emplace_back(item.at("decision_id").as_string());
    }
    cursor =
        body.at("next_cursor").is_null() ? "" : std::string(body.at("next_cursor").as_string());
    EXPECT_EQ(body.at("has_more").as_bool(), !cursor.empty());
    ++pages;
  } while (!cursor.empty() && pages < 10);

  EXPECT_EQ(pages, 3);
  const std::vector<std::string> newest_first(created.rbegin(), created.rend());
  EXPECT_EQ(seen, newest_first);
  EXPECT_EQ(client_->Get("/v1/decisions?limit=0").status, 400);
  EXPECT_EQ(client_->Get("/v1/decisions?limit=abc").status, 400);
  const ClientResponse bad_cursor = client_->Get("/v1/decisions?cursor=%%%garbage");
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_EQ(ErrorCode(bad_cursor), "VALIDATION_INVALID_CURSOR");
}

TEST_F(IntegrationTest, QueryInDecisionOnlyModeSimulates) {
  const ClientResponse response =
      client_->Post("/v1/query", R"({"query":"Summarise the French revolution."})");

  ASSERT_EQ(response.status, 200) << response.body;
  const json::object body = Body(response);
  EXPECT_TRUE(body.at("simulated").as_bool());
  EXPECT_EQ(body.at("output").as_string(), "Simulation only - no execution.");
  EXPECT_TRUE(body.at("actual_cost_usd").is_null());
  EXPECT_EQ(body.at("decision").at("decision_id").as_string(),
            response.headers.at("x-amaima-decision-id"));
  EXPECT_EQ(client_->Get("/v1/decisions/" + response.headers.at("x-amaima-decision-id")).status,
            200);
}

TEST_F(IntegrationTest, ExecuteIsRefusedWithTheDecisionIdWhileDecisionOnly) {
  const std::string id =
      client_->Post("/v1/simulate", R"({"query":"hi"})").headers.at("x-amaima-decision-id");

  const ClientResponse refused = client_->Post("/v1/execute", R"({"decision_id":")" + id + "\"}");
  const ClientResponse unknown =
      client_->Post("/v1/execute", R"({"decision_id":"01890000-0000-7000-8000-000000000000"})");
  const ClientResponse missing = client_->Post("/v1/execute", "{}");

  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(ErrorCode(refused), "SYSTEM_EXECUTION_DISABLED");
  EXPECT_EQ(Body(refused).at("error").at("details").at("decision_id").as_string(), id);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ErrorCode(missing), "VALIDATION_MISSING_FIELD");
}

TEST_F(IntegrationTest, BadInputGetsPreciseErrors) {
  struct Case {
    std::string method, target, body, content_type;
    int status;
    std::string code, field;
  };

  const std::vector<Case> cases = {
      {"POST", "/v1/simulate", "{not json", "application/json", 400, "VALIDATION_INVALID_JSON", ""},
      {"POST", "/v1/simulate", "[1,2]", "application/json", 400, "VALIDATION_INVALID_TYPE", "$"},
      {"POST", "/v1/simulate", R"({"query":42})", "application/json", 400,
       "VALIDATION_INVALID_TYPE", "query"},
      {"POST", "/v1/simulate", R"({"query":"  "})", "application/json", 400,
       "VALIDATION_INVALID_VALUE", "query"},
      {"POST", "/v1/simulate", "{}", "application/json", 400, "VALIDATION_MISSING_FIELD", "query"},
      {"POST", "/v1/simulate", R"({"query":"a","messages":[]})", "application/json", 400,
       "VALIDATION_CONFLICTING_FIELDS", "query"},
      {"POST", "/v1/simulate", R"({"messages":[{"role":"user"}]})", "application/json", 400,
       "VALIDATION_MISSING_FIELD", "messages[0].content"},
      {"POST", "/v1/simulate", R"({"messages":[{"role":"robot","content":"x"}]})",
       "application/json", 400, "VALIDATION_INVALID_VALUE", "messages[0].role"},
      {"POST", "/v1/simulate", R"({"query":"a","max_cost_usd":"cheap"})", "application/json", 400,
       "VALIDATION_INVALID_TYPE", "max_cost_usd"},
      {"POST", "/v1/simulate", R"({"query":"a","max_latency_ms":-5})", "application/json", 400,
       "VALIDATION_INVALID_VALUE", "max_latency_ms"},
      {"POST", "/v1/simulate", R"({"query":"a","max_tokens":1.5})", "application/json", 400,
       "VALIDATION_INVALID_TYPE", "max_tokens"},
      {"POST", "/v1/simulate", R"({"query":"a"})", "text/plain", 415,
       "VALIDATION_UNSUPPORTED_MEDIA_TYPE", ""},
      {"GET", "/v1/nope", "", "", 404, "SYSTEM_ROUTE_NOT_FOUND", ""},
      {"GET", "/v1/simulate", "", "", 405, "SYSTEM_METHOD_NOT_ALLOWED", ""},
      {"DELETE", "/v1/decisions", "", "", 405, "SYSTEM_METHOD_NOT_ALLOWED", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.body);
    const ClientResponse response = client_->Request(c.method, c.target, c.body, c.content_type);
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_EQ(ErrorCode(response), c.code);
    if (!c.field.empty()) {
      EXPECT_EQ(ErrorField(response), c.field);
    }
  }
  EXPECT_EQ(client_->Get("/v1/simulate").headers.at("allow"), "POST");
}

TEST_F(IntegrationTest, OversizedBodyGets413AndTheServerKeepsServing) {
  const std::string huge = R"({"query":")" + std::string(2 << 20, 'a') + "\"}";

  const ClientResponse response = client_->Post("/v1/simulate", huge);

  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(ErrorCode(response), "VALIDATION_PAYLOAD_TOO_LARGE");
  EXPECT_EQ(client_->Get("/health/live").status, 200);
}

TEST_F(IntegrationTest, GarbageOnTheWireDoesNotHurtTheServer) {
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("POST /v1/simulate HTTP/1.1\r\nContent-Length: -4\r\n\r\n"),
        std::string("BREW /pot HTTP/1.1\r\nHost: x\r\n") + std::string(40000, 'X') + "\r\n\r\n"}) {
    const int fd = ConnectRaw(server_->port());
    ASSERT_GE(fd, 0);
    WriteRaw(fd, garbage);
    ::shutdown(fd, SHUT_WR);
    ReadUntilClose(fd);
    ::close(fd);
  }

  EXPECT_EQ(client_->Get("/health/live").status, 200);
  EXPECT_TRUE(server_->Running());
}

TEST_F(IntegrationTest, HealthEndpointsReport) {
  const ClientResponse live = client_->Get("/health/live");
  const ClientResponse ready = client_->Get("/health/ready");
  const ClientResponse health = client_->Get("/v1/health");

  EXPECT_EQ(live.status, 200);
  ASSERT_EQ(ready.status, 200);
  EXPECT_EQ(Body(ready).at("checks").at("store").as_string(), "ok");
  ASSERT_EQ(health.status, 200);
  const json::object body = Body(health);
  EXPECT_EQ(body.at("execution_mode").as_string(), "decision-only");
  EXPECT_EQ(body.at("versions").at("decision_schema").as_string(), "1.1.0");
  EXPECT_TRUE(body.at("uptime_seconds").is_number());
  EXPECT_GT(body.at("device").at("cpu_cores").as_int64(), 0);
}

TEST(DurabilityIntegrationTest, DecisionsAnsweredBeforeKillNineSurviveIt) {
  const std::string dir = MakeTempDir();
  std::vector<std::pair<std::string, std::string>> answered;  // id, body
  {
    ServerProcess server(dir);
    server.Start();
    HttpClient client(server.port());
    for (int i = 0; i < 40; ++i) {
      const ClientResponse r =
          client.Post("/v1/simulate", R"({"query":"durable question )" + std::to_string(i) + "\"}");
      ASSERT_EQ(r.status, 200);
      answered.emplace_back(r.headers.at("x-amaima-decision-id"), r.body);
    }
    // The moment the last answer arrived: no graceful anything.
    server.Signal(SIGKILL);
    EXPECT_EQ(server.Wait(), 128 + SIGKILL);
  }

  ServerProcess restarted(dir);
  restarted.Start();
  HttpClient client(restarted.port());
  for (const auto& [id, body] : answered) {
    const ClientResponse fetched = client.Get("/v1/decisions/" + id);
    ASSERT_EQ(fetched.status, 200) << id;
    EXPECT_EQ(fetched.body, body.substr(0, body.size() - 1) + R"(,"feedback":[]})");
  }
  std::filesystem::remove_all(dir);
}

TEST(ShutdownIntegrationTest, SigtermFinishesInFlightRequestsAndRefusesNewOnes) {
  const std::string dir = MakeTempDir();
  ServerProcess server(dir);
  server.Start();
  HttpClient client(server.port());
  ASSERT_EQ(client.Get("/health/live").status, 200);  // An idle keep-alive connection.

  // A request in flight: headers and half of the body sent.
  const std::string body = R"({"query":"in flight during shutdown"})";
  const int fd = ConnectRaw(server.port());
  ASSERT_GE(fd, 0);
  WriteRaw(fd,
           "POST /v1/simulate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Authorization: Bearer "
               + std::string(kTestAdminKey) + "\r\n"
           "Content-Length: "
               + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  // A connection accepted after `fd` (one acceptor, FIFO backlog) proves that `fd` was
  // accepted before the signal; whether its bytes were read yet is the server's problem.
  HttpClient later(server.port());
  ASSERT_EQ(later.Get("/health/live").status, 200);

  server.Signal(SIGTERM);
  // New connections are refused once the listener is closed.
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    const int probe = ConnectRaw(server.port());
    refused = probe < 0;
    if (probe >= 0) {
      ::close(probe);
      usleep(2000);
    }
  }
  EXPECT_TRUE(refused);
  ASSERT_TRUE(WriteRaw(fd, body.substr(10)));
  const std::string reply = ReadUntilClose(fd);
  ::close(fd);

  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0U) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_EQ(server.Wait(), 0);
  const auto id_at = reply.find("x-amaima-decision-id: ");
  ASSERT_NE(id_at, std::string::npos);
  const std::string id = reply.substr(id_at + 22, 36);

  ServerProcess restarted(dir);
  restarted.Start();
  HttpClient again(restarted.port());
  EXPECT_EQ(again.Get("/v1/decisions/" + id).status, 200);
  std::filesystem::remove_all(dir);
}

bool FileContains(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (content.str().find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(PrivacyIntegrationTest, RawQueryTextIsStoredOnlyWhenEnabled) {
  const std::string secret_text = "my very private question about zebra-unicorn-7781";
  for (const bool store_prompts : {false, true}) {
    const std::string dir = MakeTempDir();
    {
      ServerProcess server(
          dir, {},
          {std::string("AMAIMA_TELEMETRY__STORE_PROMPTS=") + (store_prompts ? "true" : "false")});
      server.Start();
      HttpClient client(server.port());
      const ClientResponse r = client.Post("/v1/simulate", R"({"query":")" + secret_text + "\"}");
      ASSERT_EQ(r.status, 200);
      EXPECT_EQ(r.body.find("zebra-unicorn"), std::string::npos);
      server.Signal(SIGTERM);
      EXPECT_EQ(server.Wait(), 0);
    }
    EXPECT_EQ(FileContains(dir, "zebra-unicorn-7781"), store_prompts) << store_prompts;
    std::filesystem::remove_all(dir);
  }
}

TEST(CliIntegrationTest, RouteDecisionsAndConfigCommands) {
  const auto [route_code, route_out] =
      RunCommand({"route", "What is the capital of France?", "--compact"});
  EXPECT_EQ(route_code, 0);
  const json::object decision = json::parse(route_out).as_object();
  EXPECT_EQ(decision.at("decision_schema_version").as_string(), "1.1.0");

  const std::string dir = MakeTempDir();
  std::string id;
  {
    ServerProcess server(dir);
    server.Start();
    HttpClient client(server.port());
    id = client.Post("/v1/simulate", R"({"query":"hi"})").headers.at("x-amaima-decision-id");
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(), 0);
  }
  const auto [list_code, list_out] =
      RunCommand({"decisions", "list", "--data-dir", dir, "--compact"});
  EXPECT_EQ(list_code, 0);
  EXPECT_NE(list_out.find(id), std::string::npos);
  const auto [show_code, show_out] = RunCommand({"decisions", "show", id, "--data-dir", dir});
  EXPECT_EQ(show_code, 0);
  EXPECT_NE(show_out.find(id), std::string::npos);
  EXPECT_NE(RunCommand({"decisions", "show", "not-an-id", "--data-dir", dir}).first, 0);

  const std::string source = AMAIMA_SOURCE_DIR;
  EXPECT_EQ(RunCommand({"config", "check", source + "/config/amaima.yaml"}).first, 0);
  const std::string bad = dir + "/bad.yaml";
  std::ofstream(bad) << "server:\n  prot: 80\n";
  EXPECT_NE(RunCommand({"config", "check", bad}).first, 0);
  EXPECT_EQ(RunCommand({"version"}).first, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace amaima::testing
