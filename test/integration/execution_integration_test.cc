// End-to-end tests of execution: the real `amaima serve` with execution enabled, every
// provider entry pointed at the fake provider on loopback, driven over HTTP like an
// OpenAI client would.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/http_client.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

class ExecutionIntegrationTest : public ::testing::Test {
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
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  ClientResponse Chat(const std::string& body) {
    return client_->Post("/v1/chat/completions", body);
  }

  // GET `path` until it answers 200 (decisions and executions of executed requests are
  // written alongside and after the answer); the last answer after 5 s.
  ClientResponse GetWhenWritten(const std::string& path) {
    ClientResponse response = client_->Get(path);
    for (int i = 0; i < 500 && response.status == 404; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      response = client_->Get(path);
    }
    return response;
  }

  // The executions recorded for `decision_id`, once `count` of them are; fails the test after
  // 5 s.
  json::array ExecutionsOf(const std::string& decision_id, std::size_t count = 1) {
    json::array data;
    for (int i = 0; i < 500; ++i) {
      const ClientResponse listed = GetWhenWritten("/v1/decisions/" + decision_id + "/executions");
      EXPECT_EQ(listed.status, 200) << listed.body;
      data = json::parse(listed.body).at("data").as_array();
      if (data.size() >= count) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(data.size(), count);
    return data;
  }

  // The server-sent events of `body` as (event, data) pairs.
  static std::vector<std::pair<std::string, std::string>> Events(const std::string& body) {
    std::vector<std::pair<std::string, std::string>> events;
    std::size_t at = 0;
    while (at < body.size()) {
      const std::size_t end = body.find("\n\n", at);
      if (end == std::string::npos) {
        break;
      }
      const std::string block = body.substr(at, end - at);
      std::string event;
      std::string data;
      std::size_t line = 0;
      while (line < block.size()) {
        std::size_t stop = block.find('\n', line);
        stop = stop == std::string::npos ? block.size() : stop;
        const std::string text = block.substr(line, stop - line);
        if (text.starts_with("event: ")) {
          event = text.substr(7);
        } else if (text.starts_with("data: ")) {
          data = text.substr(6);
        }
        line = stop + 1;
      }
      events.emplace_back(event, data);
      at = end + 2;
    }
    return events;
  }

  std::unique_ptr<FakeProvider> fake_;
  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ExecutionIntegrationTest, PinnedModelIsExecutedAndTheDecisionIsRecorded) {
  const ClientResponse response =
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]})");

  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = json::parse(response.body);
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_EQ(body.at("model"), "gpt-4o-mini");
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "Echo: hi there");
  EXPECT_EQ(body.at("usage").at("total_tokens").as_int64(),
            body.at("usage").at("prompt_tokens").as_int64()
                + body.at("usage").at("completion_tokens").as_int64());
  const std::string decision_id = response.headers.at("x-amaima-decision-id");
  EXPECT_EQ(body.at("id").as_string(), "chatcmpl-" + decision_id);
  EXPECT_FALSE(response.headers.at("x-amaima-overhead-ms").empty());
  const ClientResponse decision = GetWhenWritten("/v1/decisions/" + decision_id);
  ASSERT_EQ(decision.status, 200);
  const json::value recorded = json::parse(decision.body);
  EXPECT_EQ(recorded.at("route").at("model"), "gpt-4o-mini");
  const auto& reasons = recorded.at("route").at("reason_codes").as_array();
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), json::value("PINNED_BY_CLIENT")),
            reasons.end());
  // The upstream saw its own model name and key, never the client's.
  const auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer sk-upstream");
}

TEST_F(ExecutionIntegrationTest, AnOrganisationSwitchedToDecisionOnlyIsNotExecuted) {
  const std::string chat =
      R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})";
  ASSERT_EQ(client_
                ->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                          R"({"execution_mode": "decision-only"})")
                .status,
            200);
  const ClientResponse refused = Chat(chat);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("SYSTEM_EXECUTION_DISABLED"), std::string::npos) << refused.body;
  const ClientResponse simulated = client_->Post("/v1/query", R"({"query": "hi"})");
  ASSERT_EQ(simulated.status, 200) << simulated.body;
  EXPECT_EQ(json::parse(simulated.body).at("decision").at("execution_mode"), "decision-only");
  EXPECT_EQ(fake_->requests().size(), 0U);

  ASSERT_EQ(client_
                ->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                          R"({"execution_mode": "inherit"})")
                .status,
            200);
  EXPECT_EQ(Chat(chat).status, 200);
  EXPECT_EQ(fake_->requests().size(), 1U);
}

TEST_F(ExecutionIntegrationTest, AutoIsRoutedAndStreamedAsOpenAiServerSentEvents) {
  const ClientResponse response = Chat(
      R"({"model": "auto", "stream": true, "stream_options": {"include_usage": true},
          "messages": [{"role": "user", "content": "Prove that the square root of 2 is irrational."}]})");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.at("content-type"), "text/event-stream");
  std::vector<json::value> chunks;
  std::size_t at = 0;
  bool done = false;
  while ((at = response.body.find("data: ", at)) != std::string::npos) {
    const std::size_t end = response.body.find("\n\n", at);
    ASSERT_NE(end, std::string::npos);
    const std::string data = response.body.substr(at + 6, end - at - 6);
    if (data == "[DONE]") {
      done = true;
    } else {
      chunks.push_back(json::parse(data));
    }
    at = end + 2;
  }
  EXPECT_TRUE(done);
  ASSERT_GE(chunks.size(), 3U);
  std::string text;
  for (const json::value& chunk : chunks) {
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("id"), chunks.front().at("id"));
    const auto& choices = chunk.at("choices").as_array();
    if (!choices.empty() && choices[0].at("delta").as_object().contains("content")) {
      text += std::string(choices[0].at("delta").at("content").as_string());
    }
  }
  EXPECT_EQ(text, "Echo: Prove that the square root of 2 is irrational.");
  EXPECT_EQ(chunks.front().at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_TRUE(chunks.back().at("choices").as_array().empty());  // the usage chunk
  EXPECT_GT(chunks.back().at("usage").at("completion_tokens").as_int64(), 0);
  EXPECT_EQ(chunks.front().at("model").as_string(), response.headers.at("x-amaima-model"));
}

TEST_F(ExecutionIntegrationTest, AFailingModelFallsBackAlongTheChain) {
  FakeRule down;
  down.model = "gpt-4o-mini";
  down.status = 500;
  fake_->AddRule(down);

  const ClientResponse response =
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]})");

  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = json::parse(response.body);
  EXPECT_NE(body.at("model"), "gpt-4o-mini");
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "Echo: hello");
  std::size_t primary = 0;
  for (const auto& request : fake_->requests()) {
    primary += request.model == "gpt-4o-mini" ? 1 : 0;
  }
  EXPECT_EQ(primary, 3U);  // max_attempts, then the next model
}

TEST_F(ExecutionIntegrationTest, ErrorsUseOpenAisShape) {
  const ClientResponse unknown =
      Chat(R"({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]})");
  const ClientResponse invalid = Chat(R"({"model": "auto", "messages": []})");
  FakeRule down;
  down.status = 503;
  fake_->AddRule(down);
  const ClientResponse exhausted =
      Chat(R"({"model": "auto", "messages": [{"role": "user", "content": "hi"}]})");

  EXPECT_EQ(unknown.status, 404);
  const json::value not_found = json::parse(unknown.body);
  EXPECT_EQ(not_found.at("error").at("code"), "model_not_found");
  EXPECT_EQ(not_found.at("error").at("param"), "model");
  EXPECT_EQ(not_found.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(json::parse(invalid.body).at("error").at("param"), "messages");
  EXPECT_EQ(exhausted.status, 503);
  const json::value error = json::parse(exhausted.body);
  EXPECT_EQ(error.at("error").at("code"), "SYSTEM_NO_HEALTHY_UPSTREAM");
  EXPECT_EQ(error.at("error").at("type"), "server_error");
  EXPECT_FALSE(exhausted.headers.at("x-amaima-decision-id").empty());
}

TEST_F(ExecutionIntegrationTest, ListsTheCatalogAndEmbeds) {
  const ClientResponse models = client_->Get("/v1/models");
  const ClientResponse embedded = client_->Post(
      "/v1/embeddings", R"({"model": "text-embedding-3-small", "input": ["a", "b"]})");

  ASSERT_EQ(models.status, 200);
  const json::value list = json::parse(models.body);
  EXPECT_EQ(list.at("object"), "list");
  EXPECT_EQ(list.at("data").at(0).at("id"), "auto");
  ASSERT_EQ(embedded.status, 200) << embedded.body;
  EXPECT_EQ(json::parse(embedded.body).at("data").as_array().size(), 2U);
}

TEST_F(ExecutionIntegrationTest, ChatUsageAndCostAreRecordedWithTheDecision) {
  const ClientResponse response =
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = json::parse(response.body);
  const std::string decision_id = response.headers.at("x-amaima-decision-id");
  EXPECT_FALSE(response.headers.at("x-amaima-request-id").empty());
  EXPECT_EQ(response.headers.count("x-amaima-usage-estimated"), 0U);

  const json::array executions = ExecutionsOf(decision_id);

  ASSERT_EQ(executions.size(), 1U);
  const json::value& execution = executions[0];
  EXPECT_EQ(execution.at("request_id").as_string(), response.headers.at("x-amaima-request-id"));
  EXPECT_EQ(execution.at("surface"), "chat.completions");
  EXPECT_EQ(execution.at("model"), "gpt-4o-mini");
  EXPECT_EQ(execution.at("status"), "ok");
  EXPECT_EQ(execution.at("streamed"), false);
  const std::int64_t prompt = body.at("usage").at("prompt_tokens").as_int64();
  const std::int64_t completion = body.at("usage").at("completion_tokens").as_int64();
  EXPECT_EQ(execution.at("usage").at("prompt_tokens").as_int64(), prompt);
  EXPECT_EQ(execution.at("usage").at("completion_tokens").as_int64(), completion);
  EXPECT_EQ(execution.at("usage").at("estimated"), false);
  // gpt-4o-mini in the shipped catalog: $0.15 / $0.60 per 1M tokens.
  EXPECT_NEAR(execution.at("cost_usd").to_number<double>(),
              (static_cast<double>(prompt) * 0.15 + static_cast<double>(completion) * 0.60) / 1e6,
              1e-12);
}

TEST_F(ExecutionIntegrationTest, EachExecutionIsAuditedWithItsCallerModelAndCost) {
  const ClientResponse response =
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string decision_id = response.headers.at("x-amaima-decision-id");
  const json::array executions = ExecutionsOf(decision_id);
  ASSERT_EQ(executions.size(), 1U);
  const std::string actor(executions[0].at("actor").as_string());
  EXPECT_TRUE(actor.starts_with("key:")) << actor;

  // Audit rows are queued off the request path: wait (at most 5 s) for the row.
  json::array rows;
  for (int i = 0; i < 500 && rows.empty(); ++i) {
    const ClientResponse listed = client_->Get("/v1/audit?action=execution");
    ASSERT_EQ(listed.status, 200) << listed.body;
    rows = json::parse(listed.body).at("data").as_array();
    if (rows.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_EQ(rows.size(), 1U);
  const json::value& row = rows[0];
  EXPECT_EQ(row.at("actor").as_string(), actor);
  EXPECT_EQ(row.at("target").as_string(), "decision:" + decision_id);
  EXPECT_EQ(row.at("outcome").as_string(), "success");
  EXPECT_EQ(row.at("details").at("model").as_string(), "gpt-4o-mini");
  EXPECT_EQ(row.at("details").at("request_id").as_string(),
            response.headers.at("x-amaima-request-id"));
  EXPECT_NEAR(std::stod(std::string(row.at("details").at("cost_usd").as_string())),
              executions[0].at("cost_usd").to_number<double>(), 1e-8);
}

TEST_F(ExecutionIntegrationTest, MissingUpstreamUsageIsEstimatedAndFlagged) {
  FakeRule no_usage;
  no_usage.raw_body =
      R"({"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[)"
      R"({"index":0,"message":{"role":"assistant","content":"Hello back"},"finish_reason":"stop"}]})";
  fake_->AddRule(no_usage);

  const ClientResponse response =
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.at("x-amaima-usage-estimated"), "true");
  const json::value usage = json::parse(response.body).at("usage");
  EXPECT_GT(usage.at("prompt_tokens").as_int64(), 0);
  EXPECT_GT(usage.at("completion_tokens").as_int64(), 0);
  const json::array executions = ExecutionsOf(response.headers.at("x-amaima-decision-id"));
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].at("usage").at("estimated"), true);
  EXPECT_GT(executions[0].at("cost_usd").to_number<double>(), 0.0);
}

TEST_F(ExecutionIntegrationTest, NativeQueryDecidesThenExecutes) {
  const ClientResponse response =
      client_->Post("/v1/query", R"({"query": "hello world", "model": "gpt-4o-mini"})");

  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = json::parse(response.body);
  EXPECT_EQ(body.at("simulated"), false);
  EXPECT_EQ(body.at("output"), "Echo: hello world");
  EXPECT_EQ(body.at("model"), "gpt-4o-mini");
  EXPECT_EQ(body.at("decision").at("decision_id").as_string(),
            response.headers.at("x-amaima-decision-id"));
  EXPECT_EQ(body.at("decision").at("simulated"), false);
  EXPECT_GT(body.at("actual_cost_usd").to_number<double>(), 0.0);
  EXPECT_GE(body.at("actual_latency_ms").to_number<double>(),
            body.at("overhead_ms").to_number<double>());
  EXPECT_EQ(body.at("usage").at("total_tokens").as_int64(),
            body.at("usage").at("prompt_tokens").as_int64()
                + body.at("usage").at("completion_tokens").as_int64());
  const json::array executions = ExecutionsOf(response.headers.at("x-amaima-decision-id"));
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].at("surface"), "query");
}

TEST_F(ExecutionIntegrationTest, NativeQueryStreamsDecisionChunksAndCompletion) {
  const ClientResponse response =
      client_->Post("/v1/query", R"({"messages": [{"role": "user", "content": "one two three"}],
                      "model": "gpt-4o-mini", "stream": true})");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.at("content-type"), "text/event-stream");
  const auto events = Events(response.body);
  ASSERT_GE(events.size(), 3U);
  EXPECT_EQ(events.front().first, "decision");
  EXPECT_EQ(json::parse(events.front().second).at("decision_id").as_string(),
            response.headers.at("x-amaima-decision-id"));
  std::string text;
  for (std::size_t i = 1; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].first, "chunk");
    text += std::string(json::parse(events[i].second).at("content").as_string());
  }
  EXPECT_EQ(text, "Echo: one two three");
  EXPECT_EQ(events.back().first, "complete");
  const json::value complete = json::parse(events.back().second);
  EXPECT_EQ(complete.at("model"), "gpt-4o-mini");
  EXPECT_EQ(complete.at("finish_reason"), "stop");
  EXPECT_GT(complete.at("usage").at("completion_tokens").as_int64(), 0);
  EXPECT_GT(complete.at("actual_cost_usd").to_number<double>(), 0.0);
  const json::array executions = ExecutionsOf(response.headers.at("x-amaima-decision-id"));
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].at("streamed"), true);
  EXPECT_EQ(executions[0].at("status"), "ok");
}

TEST_F(ExecutionIntegrationTest, ExecuteRunsASimulatedDecisionExactlyAsDecided) {
  const ClientResponse simulated =
      client_->Post("/v1/simulate", R"({"query": "Summarise the plot of Hamlet."})");
  ASSERT_EQ(simulated.status, 200) << simulated.body;
  const json::value decision = json::parse(simulated.body);
  EXPECT_EQ(decision.at("simulated"), true);
  const std::string id(decision.at("decision_id").as_string());
  const std::string model(decision.at("route").at("model").as_string());
  const std::string upstream(decision.at("route").at("upstream_model").as_string());

  const ClientResponse executed =
      client_->Post("/v1/execute", R"({"decision_id": ")" + id
                                       + R"(", "query": "Summarise the plot of Hamlet."})");

  ASSERT_EQ(executed.status, 200) << executed.body;
  const json::value body = json::parse(executed.body);
  EXPECT_EQ(body.at("decision").at("decision_id").as_string(), id);
  EXPECT_EQ(body.at("model").as_string(), model);
  EXPECT_EQ(body.at("output"), "Echo: Summarise the plot of Hamlet.");
  EXPECT_EQ(executed.headers.at("x-amaima-decision-id"), id);
  ASSERT_FALSE(fake_->requests().empty());
  EXPECT_EQ(fake_->requests().back().model, upstream);
  const json::array executions = ExecutionsOf(id);
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].at("surface"), "execute");
}

TEST_F(ExecutionIntegrationTest, ExecuteRefusesAnotherQueryAMissingQueryAndAnExecutedDecision) {
  const ClientResponse simulated = client_->Post("/v1/simulate", R"({"query": "original"})");
  ASSERT_EQ(simulated.status, 200) << simulated.body;
  const std::string id(json::parse(simulated.body).at("decision_id").as_string());
  const ClientResponse queried = client_->Post("/v1/query", R"({"query": "ran at once"})");
  ASSERT_EQ(queried.status, 200) << queried.body;
  // An executed query's decision is written alongside its execution (ADR 0006).
  ASSERT_EQ(GetWhenWritten("/v1/decisions/" + queried.headers.at("x-amaima-decision-id")).status,
            200);

  const ClientResponse other = client_->Post(
      "/v1/execute", R"({"decision_id": ")" + id + R"(", "query": "something else"})");
  const ClientResponse missing =
      client_->Post("/v1/execute", R"({"decision_id": ")" + id + R"("})");
  const ClientResponse again = client_->Post(
      "/v1/execute", R"({"decision_id": ")" + queried.headers.at("x-amaima-decision-id")
                         + R"(", "query": "ran at once"})");

  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(json::parse(other.body).at("error").at("code"), "QUERY_MISMATCH");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body).at("error").at("code"), "VALIDATION_MISSING_FIELD");
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(json::parse(again.body).at("error").at("code"), "QUERY_DECISION_ALREADY_EXECUTED");
  EXPECT_EQ(fake_->requests().size(), 1U);  // only the /v1/query
}

TEST_F(ExecutionIntegrationTest, MetricsCountDecisionsTokensCostAndCircuitStates) {
  ASSERT_EQ(
      Chat(R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})").status,
      200);
  // Usage is recorded after the answer: wait for it to be counted.
  ClientResponse scraped;
  for (int i = 0; i < 500; ++i) {
    scraped = client_->Get("/metrics");
    if (scraped.body.find(R"(amaima_tokens_total{model="gpt-4o-mini",direction="output"})")
        != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  ASSERT_EQ(scraped.status, 200);
  EXPECT_EQ(scraped.headers.at("content-type").rfind("text/plain; version=0.0.4", 0), 0U);
  const std::string& text = scraped.body;
  EXPECT_NE(
      text.find(
          R"(amaima_http_requests_total{route="/v1/chat/completions",method="POST",status="200"} 1)"),
      std::string::npos)
      << text;
  const std::size_t decisions = text.find("\namaima_routing_decisions_total{level=");
  ASSERT_NE(decisions, std::string::npos) << text;
  const std::string line =
      text.substr(decisions + 1, text.find('\n', decisions + 1) - decisions - 1);
  EXPECT_NE(line.find(R"(model="gpt-4o-mini"} 1)"), std::string::npos) << line;
  EXPECT_NE(text.find(R"(amaima_tokens_total{model="gpt-4o-mini",direction="output"})"),
            std::string::npos);
  EXPECT_NE(text.find(R"(amaima_cost_usd_total{model="gpt-4o-mini"})"), std::string::npos);
  EXPECT_NE(text.find(R"(amaima_provider_circuit_state{provider="openai"} 0)"), std::string::npos);
  EXPECT_NE(text.find(R"(amaima_gateway_overhead_seconds_count{surface="openai"} 1)"),
            std::string::npos);
  // promtool, when installed (scripts/setup installs it), must accept the real scrape.
  const bool require = std::getenv("AMAIMA_REQUIRE_PROMTOOL") != nullptr;
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    ASSERT_FALSE(require) << "promtool is not installed";
    GTEST_SKIP() << "promtool not installed";
  }
  const std::string path = data_dir_ + "/scrape.prom";
  {
    std::ofstream out(path);
    out << text;
  }
  EXPECT_EQ(std::system(("promtool check metrics < " + path + " >/dev/null 2>&1").c_str()), 0);
}

TEST_F(ExecutionIntegrationTest, AClientThatLeavesCancelsItsNonStreamedUpstreamCall) {
  FakeRule hang;
  hang.hang = true;  // The upstream never answers; it waits until its client goes away.
  fake_->AddRule(hang);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::address_v4::loopback(), server_->port()});
  const std::string body =
      R"({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})";
  const std::string request =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: amaima\r\nAuthorization: Bearer "
      + std::string(kTestAdminKey) + "\r\n"
      "Content-Type: application/json\r\nContent-Length: "
      + std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::asio::write(socket, boost::asio::buffer(request));
  ASSERT_TRUE(fake_->WaitFor([](const FakeProviderCounters& c) { return c.requests >= 1; }));

  socket.close();

  EXPECT_TRUE(
      fake_->WaitFor([](const FakeProviderCounters& c) { return c.client_disconnects >= 1; }));
  // The decision is written alongside the upstream call (ADR 0006): wait until it is listed.
  json::array decisions;
  for (int i = 0; i < 500 && decisions.empty(); ++i) {
    const ClientResponse listed = client_->Get("/v1/decisions?limit=1");
    ASSERT_EQ(listed.status, 200);
    decisions = json::parse(listed.body).at("data").as_array();
    if (decisions.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_EQ(decisions.size(), 1U);
  const json::array executions =
      ExecutionsOf(std::string(decisions[0].at("decision_id").as_string()));
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].at("status"), "cancelled");
  EXPECT_EQ(fake_->requests().size(), 1U);  // cancelled, not retried
}

TEST(DecisionOnlyChatTest, ChatCompletionsRecordTheDecisionAndAnswer503) {
  const std::string dir = MakeTempDir();
  ServerProcess server(dir);
  server.Start();
  HttpClient client(server.port());

  const ClientResponse response =
      client.Post("/v1/chat/completions",
                  R"({"model": "auto", "messages": [{"role": "user", "content": "hi"}]})");

  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "SYSTEM_EXECUTION_DISABLED");
  const std::string decision_id = response.headers.at("x-amaima-decision-id");
  EXPECT_EQ(client.Get("/v1/decisions/" + decision_id).status, 200);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace amaima::testing
