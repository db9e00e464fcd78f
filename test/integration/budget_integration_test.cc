// Budgets end to end (docs/governance.md, "Budgets"): the real `amaima serve` executing
// against the fake provider, with a catalog whose prices make every cost exact. Output
// tokens cost 10 USD per 1M on "big" and 1 USD per 1M on "small"; input is free. So a request
// with max_tokens 100 is estimated at 1000 micro-dollars on big, and the fake provider's
// scripted completion_tokens decide what it actually costs.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test/support/backends.h"
#include "test/support/fake_provider/fake_provider.h"
#include "test/support/http_client.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

json::value Parse(const ClientResponse& response) {
  return json::parse(response.body);
}

std::string Str(const json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

// The value of one series in a Prometheus text exposition, e.g.
// `amaima_budget_events_total{severity="warning"}`; NaN when it is absent.
double MetricValue(const std::string& exposition, const std::string& series) {
  std::size_t at = 0;
  while ((at = exposition.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n') {
      return std::strtod(exposition.c_str() + at + series.size() + 1, nullptr);
    }
    at += series.size();
  }
  return std::nan("");
}

// A rule that makes the fake provider report `completion_tokens` for the `nth` chat request
// (every request from `nth` on when `times` is 0).
FakeRule Usage(int completion_tokens, int nth = 1, int times = 0) {
  FakeRule rule;
  rule.path = "/v1/chat/completions";
  rule.nth = nth;
  rule.times = times;
  rule.text = "ok";
  rule.prompt_tokens = 5;
  rule.completion_tokens = completion_tokens;
  return rule;
}

// GoogleTest macros count as branches; these bodies are flat sequences of checks.
// NOLINTBEGIN(readability-function-cognitive-complexity)
// Runs on both deployments: SQLite with in-process limits, and PostgreSQL with Redis.
class BudgetIntegrationTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value()) << fake.error().message;
    fake_ = std::move(*fake);
    data_dir_ = MakeTempDir();
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  // Starts the server on the test catalog; `env` adds AMAIMA_* overrides.
  void StartServer(std::vector<std::string> env = {}) {
    const std::string config_path = data_dir_ + "/amaima.yaml";
    std::ofstream(config_path) << R"(
server: {io_threads: 4, blocking_threads: 4}
execution: {mode: "execution-enabled"}
providers:
  openai: {type: openai, base_url: ")"
                               << fake_->base_url() << R"(/v1", api_key: "sk-upstream",
           max_attempts: 1, backoff_base_ms: 1}
router:
  model_mapping: {TRIVIAL: big, SIMPLE: big, MODERATE: big, COMPLEX: big, EXPERT: big}
  expected_output_tokens: {TRIVIAL: 100, SIMPLE: 100, MODERATE: 100, COMPLEX: 100, EXPERT: 100}
  security_min_level: ""
models:
  big: {provider: openai, upstream_model: fake-big, context_window: 100000,
        capabilities: [chat], output_price_per_1m: 10}
  small: {provider: openai, upstream_model: fake-small, context_window: 100000,
          capabilities: [chat], output_price_per_1m: 1}
  embedder: {provider: openai, upstream_model: fake-embedding, context_window: 8000,
             capabilities: [embeddings], input_price_per_1m: 1000}
)";
    env.insert(env.end(), backend_env_.begin(), backend_env_.end());
    server_ = std::make_unique<ServerProcess>(
        data_dir_, std::vector<std::string>{"--config", config_path}, std::move(env));
    server_->Start();
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  // Sets the daily budget of organisation "default"; returns its id.
  std::string SetOrgBudget(double cap_usd, const std::string& action = "reject") {
    json::object body{{"scope_type", "org"},
                      {"scope_id", "default"},
                      {"period", "daily"},
                      {"cap_usd", cap_usd},
                      {"action", action}};
    const ClientResponse set = client_->Request("PUT", "/v1/admin/budgets", json::serialize(body));
    EXPECT_EQ(set.status, 200) << set.body;
    return std::string(Parse(set).at("budget_id").as_string());
  }

  // Creates an API key of organisation "default" with `role`; returns its secret.
  std::string CreateKey(const std::string& role) {
    const ClientResponse created =
        client_->Post("/v1/admin/keys", R"({"role": ")" + role + R"(", "name": "budget test"})");
    EXPECT_EQ(created.status, 201) << created.body;
    return std::string(Parse(created).at("key").as_string());
  }

  static ClientResponse Query(HttpClient& client, int max_tokens = 100) {
    return client.Post("/v1/query", R"({"query": "Say hello.", "max_tokens": )"
                                        + std::to_string(max_tokens) + "}");
  }

  std::unique_ptr<FakeProvider> fake_;
  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_P(BudgetIntegrationTest, ACapIsAdmittedExactlyUntilExhaustedThenRefusedWith402) {
  StartServer();
  fake_->SetScript({Usage(40)});  // Each request costs 400 µ$ of its 1000 µ$ estimate.
  // 400 + 400 spent and 1000 reserved fit 1800 µ$; a fourth would need 2200.
  const std::string budget_id = SetOrgBudget(0.0018);

  for (int i = 0; i < 3; ++i) {
    const ClientResponse admitted = Query(*client_);
    ASSERT_EQ(admitted.status, 200) << admitted.body;
    EXPECT_DOUBLE_EQ(Parse(admitted).at("actual_cost_usd").to_number<double>(), 0.0004);
  }
  const ClientResponse refused = Query(*client_);

  ASSERT_EQ(refused.status, 402) << refused.body;
  const json::value refused_body = Parse(refused);
  const json::object& error = refused_body.at("error").as_object();
  EXPECT_EQ(error.at("code"), "BUDGET_EXCEEDED");
  const json::object& details = error.at("details").as_object();
  EXPECT_EQ(details.at("scope"), "org:default");
  EXPECT_EQ(details.at("period"), "daily");
  EXPECT_EQ(details.at("cap_usd"), "0.0018");
  EXPECT_EQ(details.at("spent_usd"), "0.0012");
  EXPECT_EQ(details.at("estimated_usd"), "0.001");
  EXPECT_EQ(Str(details.at("budget_id")), budget_id);
  EXPECT_EQ(Str(details.at("request_id")), refused.headers.at("x-request-id"));
  EXPECT_EQ(Str(error.at("request_id")), refused.headers.at("x-request-id"));
  EXPECT_EQ(fake_->requests().size(), 3U);  // The refused request never went upstream.

  // The same refusal in the OpenAI and Anthropic shapes, and simulations still answered.
  const ClientResponse chat = client_->Post(
      "/v1/chat/completions",
      R"({"model": "auto", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_EQ(chat.status, 402) << chat.body;
  EXPECT_EQ(Parse(chat).at("error").at("code"), "BUDGET_EXCEEDED");
  EXPECT_EQ(Parse(chat).at("error").at("type"), "insufficient_quota");
  EXPECT_EQ(Parse(chat).at("error").at("details").at("scope"), "org:default");
  const ClientResponse messages = client_->Post(
      "/v1/messages",
      R"({"model": "auto", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_EQ(messages.status, 402) << messages.body;
  EXPECT_EQ(Parse(messages).at("error").at("type"), "billing_error");
  EXPECT_EQ(messages.headers.at("x-amaima-error-code"), "BUDGET_EXCEEDED");
  EXPECT_EQ(client_->Post("/v1/simulate", R"({"query": "Say hello.", "max_tokens": 100})").status,
            200);
  EXPECT_EQ(fake_->requests().size(), 3U);

  const ClientResponse mine = client_->Get("/v1/budgets");
  ASSERT_EQ(mine.status, 200) << mine.body;
  const json::value mine_body = Parse(mine);
  const json::array& budgets = mine_body.at("data").as_array();
  ASSERT_EQ(budgets.size(), 1U);
  EXPECT_DOUBLE_EQ(budgets[0].at("spent_usd").to_number<double>(), 0.0012);
  EXPECT_DOUBLE_EQ(budgets[0].at("reserved_usd").to_number<double>(), 0);
  EXPECT_DOUBLE_EQ(budgets[0].at("cap_usd").to_number<double>(), 0.0018);
  EXPECT_NEAR(budgets[0].at("utilisation").to_number<double>(), 2.0 / 3.0, 1e-9);
  EXPECT_FALSE(budgets[0].at("period_end").as_string().empty());
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_EQ(MetricValue(metrics, "amaima_budget_rejections_total"), 3);
}

TEST_P(BudgetIntegrationTest, ADowngradeBudgetMovesTheRequestToACheaperModelAndSaysSo) {
  StartServer();
  fake_->SetScript({Usage(100)});
  // Big's 1000 µ$ estimate does not fit 500 µ$; small's 100 µ$ does.
  SetOrgBudget(0.0005, "downgrade");

  const ClientResponse downgraded = Query(*client_);

  ASSERT_EQ(downgraded.status, 200) << downgraded.body;
  const json::value body = Parse(downgraded);
  EXPECT_EQ(body.at("model"), "small");
  EXPECT_EQ(body.at("decision").at("route").at("model"), "small");
  const json::array& reasons = body.at("decision").at("route").at("reason_codes").as_array();
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), json::value("BUDGET_DOWNGRADE")),
            reasons.end());
  EXPECT_DOUBLE_EQ(body.at("decision").at("estimates").at("cost_usd").to_number<double>(), 0.0001);
  ASSERT_EQ(fake_->requests().size(), 1U);
  EXPECT_EQ(fake_->requests()[0].model, "fake-small");
  EXPECT_EQ(MetricValue(client_->Get("/metrics").body, "amaima_budget_downgrades_total"), 1);

  // A model the client pinned is not swapped for another: it is refused.
  const ClientResponse pinned = client_->Post(
      "/v1/chat/completions",
      R"({"model": "big", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})");
  EXPECT_EQ(pinned.status, 402) << pinned.body;
  EXPECT_EQ(fake_->requests().size(), 1U);
}

TEST_P(BudgetIntegrationTest, ThresholdsAreAuditedCountedAndShownAsUtilisation) {
  StartServer();
  // Requests reserve 100 µ$ each (max_tokens 10) and cost 5000, 3000, 1500 and 500 µ$: the
  // 10000 µ$ cap reaches 50, 80, 95 and 100 %.
  fake_->SetScript({Usage(500, 1, 1), Usage(300, 2, 1), Usage(150, 3, 1), Usage(50, 4, 1)});
  const std::string budget_id = SetOrgBudget(0.01);

  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Query(*client_, 10).status, 200);
  }

  const ClientResponse audit = client_->Get("/v1/audit?action=budget.threshold");
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json::value audit_body = Parse(audit);
  const json::array& rows = audit_body.at("data").as_array();
  ASSERT_EQ(rows.size(), 4U);
  const std::vector<std::string> severities = {"exhausted", "critical", "alert", "warning"};
  const std::vector<std::string> percents = {"100", "95", "80", "50"};
  for (std::size_t i = 0; i < rows.size(); ++i) {  // Newest first.
    EXPECT_EQ(Str(rows[i].at("target")), "budget:" + budget_id);
    EXPECT_EQ(rows[i].at("org_id"), "default");
    EXPECT_EQ(rows[i].at("actor"), "system");
    EXPECT_EQ(Str(rows[i].at("details").at("severity")), severities[i]);
    EXPECT_EQ(Str(rows[i].at("details").at("threshold_percent")), percents[i]);
    EXPECT_EQ(rows[i].at("details").at("scope"), "org:default");
  }
  const ClientResponse set_audit = client_->Get("/v1/audit?action=budget.set");
  ASSERT_EQ(Parse(set_audit).at("data").as_array().size(), 1U);

  const std::string metrics = client_->Get("/metrics").body;
  for (const std::string& severity : severities) {
    EXPECT_EQ(MetricValue(metrics, R"(amaima_budget_events_total{severity=")" + severity + R"("})"),
              1)
        << severity;
  }
  EXPECT_EQ(MetricValue(metrics,
                        R"(amaima_budget_utilisation_ratio{scope="org:default",period="daily"})"),
            1);
  EXPECT_EQ(Query(*client_, 10).status, 402);
}

TEST_P(BudgetIntegrationTest, EmbeddingsAreChargedWhatTheUpstreamReports) {
  StartServer();
  SetOrgBudget(1.0);
  const std::string body = R"({"model": "embedder", "input": ["hello budget", "and more"]})";

  const ClientResponse embedded = client_->Post("/v1/embeddings", body);

  ASSERT_EQ(embedded.status, 200) << embedded.body;
  const std::int64_t tokens = Parse(embedded).at("usage").at("prompt_tokens").as_int64();
  ASSERT_GT(tokens, 0);
  const json::value mine = Parse(client_->Get("/v1/budgets"));
  // 1000 USD per 1M input tokens: 1000 µ$ a token.
  EXPECT_NEAR(mine.at("data").at(0).at("spent_usd").to_number<double>(),
              static_cast<double>(tokens) * 0.001, 1e-9);
  SetOrgBudget(0);  // Replaces the cap: nothing more is admitted.
  const ClientResponse refused = client_->Post("/v1/embeddings", body);
  ASSERT_EQ(refused.status, 402) << refused.body;
  EXPECT_EQ(Parse(refused).at("error").at("code"), "BUDGET_EXCEEDED");
  EXPECT_EQ(fake_->requests().size(), 1U);
}

TEST_P(BudgetIntegrationTest, ExecutingASimulatedDecisionIsChargedLikeAQuery) {
  StartServer();
  fake_->SetScript({Usage(40)});
  SetOrgBudget(0.0013);
  const ClientResponse simulated =
      client_->Post("/v1/simulate", R"({"query": "Say hello.", "max_tokens": 100})");
  ASSERT_EQ(simulated.status, 200) << simulated.body;
  const std::string execute = R"({"decision_id": ")" + Str(Parse(simulated).at("decision_id"))
                              + R"(", "query": "Say hello.", "max_tokens": 100})";

  const ClientResponse first = client_->Post("/v1/execute", execute);
  const ClientResponse second = client_->Post("/v1/execute", execute);

  ASSERT_EQ(first.status, 200) << first.body;
  // 1000 µ$ estimated fit 1300; 400 µ$ spent + 1000 do not.
  ASSERT_EQ(second.status, 402) << second.body;
  EXPECT_EQ(Str(Parse(second).at("error").at("details").at("decision_id")),
            Str(Parse(simulated).at("decision_id")));
  EXPECT_EQ(fake_->requests().size(), 1U);
}

TEST_P(BudgetIntegrationTest, AdminKeysAreChargedLikeAnyOther) {
  StartServer();
  fake_->SetScript({Usage(10)});
  SetOrgBudget(0);
  HttpClient user(server_->port(), CreateKey("user"));

  EXPECT_EQ(Query(*client_).status, 402);  // The bootstrap admin key.
  EXPECT_EQ(Query(user).status, 402);
  EXPECT_EQ(fake_->requests().size(), 0U);
}

TEST_P(BudgetIntegrationTest, AdminKeysBypassBudgetsWhenConfiguredTo) {
  StartServer({"AMAIMA_BUDGETS__ADMINS_BYPASS=true"});
  fake_->SetScript({Usage(10)});
  SetOrgBudget(0);
  HttpClient user(server_->port(), CreateKey("user"));

  EXPECT_EQ(Query(*client_).status, 200);
  EXPECT_EQ(Query(user).status, 402);
  EXPECT_EQ(fake_->requests().size(), 1U);
}

TEST_P(BudgetIntegrationTest, BudgetsAreAdministeredPerOrganisationAndAudited) {
  StartServer();
  ASSERT_EQ(client_->Post("/v1/admin/orgs", R"({"org_id": "acme"})").status, 201);
  const ClientResponse acme_key =
      client_->Post("/v1/admin/keys", R"({"org_id": "acme", "role": "admin"})");
  ASSERT_EQ(acme_key.status, 201) << acme_key.body;
  const std::string acme_key_id(Parse(acme_key).at("key_id").as_string());
  HttpClient acme(server_->port(), std::string(Parse(acme_key).at("key").as_string()));
  const std::string system_budget = SetOrgBudget(5);

  const ClientResponse key_budget =
      acme.Request("PUT", "/v1/admin/budgets",
                   R"({"scope_type": "key", "scope_id": ")" + acme_key_id
                       + R"(", "period": "monthly", "cap_usd": 2.5})");
  ASSERT_EQ(key_budget.status, 200) << key_budget.body;
  EXPECT_EQ(Parse(key_budget).at("org_id"), "acme");
  EXPECT_EQ(Parse(key_budget).at("action"), "reject");  // budgets.default_action.
  const std::string key_budget_id(Parse(key_budget).at("budget_id").as_string());
  // Replacing keeps the id.
  const ClientResponse replaced =
      acme.Request("PUT", "/v1/admin/budgets",
                   R"({"scope_type": "key", "scope_id": ")" + acme_key_id
                       + R"(", "period": "monthly", "cap_usd": 3, "action": "downgrade"})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(Str(Parse(replaced).at("budget_id")), key_budget_id);
  EXPECT_EQ(Parse(replaced).at("action"), "downgrade");

  // acme's admin sees and changes only acme's budgets.
  const ClientResponse acme_list = acme.Get("/v1/admin/budgets");
  ASSERT_EQ(acme_list.status, 200);
  ASSERT_EQ(Parse(acme_list).at("data").as_array().size(), 1U);
  EXPECT_EQ(acme.Request("PUT", "/v1/admin/budgets",
                         R"({"scope_type": "org", "scope_id": "default", "period": "daily",
                             "cap_usd": 1000})")
                .status,
            403);
  EXPECT_EQ(acme.Request("DELETE", "/v1/admin/budgets/" + system_budget).status, 404);
  EXPECT_EQ(acme.Request("PUT", "/v1/admin/budgets",
                         R"({"scope_type": "key", "scope_id": "no-such-key", "period": "daily",
                             "cap_usd": 1})")
                .status,
            404);
  EXPECT_EQ(acme.Request("PUT", "/v1/admin/budgets",
                         R"({"scope_type": "org", "period": "weekly", "cap_usd": 1})")
                .status,
            400);
  EXPECT_EQ(Parse(client_->Get("/v1/admin/budgets")).at("data").as_array().size(), 2U);
  // The key's budget applies to the key's own requests.
  const ClientResponse mine = acme.Get("/v1/budgets");
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(Parse(mine).at("data").as_array().size(), 1U);
  EXPECT_EQ(Str(Parse(mine).at("data").at(0).at("scope")), "key:" + acme_key_id);

  const ClientResponse deleted = acme.Request("DELETE", "/v1/admin/budgets/" + key_budget_id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(acme.Request("DELETE", "/v1/admin/budgets/" + key_budget_id).status, 404);
  const json::array audit =
      Parse(client_->Get("/v1/audit?org_id=acme&action=budget.delete")).at("data").as_array();
  ASSERT_EQ(audit.size(), 1U);
  EXPECT_EQ(Str(audit[0].at("actor")), "key:" + acme_key_id);
  EXPECT_EQ(
      Parse(client_->Get("/v1/audit?org_id=acme&action=budget.set")).at("data").as_array().size(),
      2U);
}

TEST_P(BudgetIntegrationTest, FiftyConcurrentClientsNeverSpendMoreThanTheCap) {
  StartServer();
  // Every request is estimated at and costs 1000 µ$, so reconciling changes nothing and a cap
  // of 10.5 requests admits exactly 10 of the 50, however they interleave.
  fake_->SetScript({Usage(100)});
  SetOrgBudget(0.0105);
  constexpr int kClients = 50;
  std::vector<int> statuses(kClients, 0);
  std::vector<double> costs(kClients, 0);
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  std::atomic<bool> go{false};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([this, i, &statuses, &costs, &go] {
      HttpClient client(server_->port());
      while (!go.load()) {
        std::this_thread::yield();
      }
      const ClientResponse response = Query(client);
      statuses[static_cast<std::size_t>(i)] = response.status;
      if (response.status == 200) {
        costs[static_cast<std::size_t>(i)] =
            json::parse(response.body).at("actual_cost_usd").to_number<double>();
      }
    });
  }
  go.store(true);
  for (std::thread& client : clients) {
    client.join();
  }

  int admitted = 0;
  int refused = 0;
  double spent = 0;
  for (int i = 0; i < kClients; ++i) {
    admitted += statuses[static_cast<std::size_t>(i)] == 200 ? 1 : 0;
    refused += statuses[static_cast<std::size_t>(i)] == 402 ? 1 : 0;
    spent += costs[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(refused, kClients - 10);
  // What the executions cost, by their responses and by the metric of recorded cost, is at
  // most the cap (actual never exceeds the estimate here, so reconciliation adds nothing).
  EXPECT_LE(spent, 0.0105 + 1e-12);
  EXPECT_NEAR(spent, 0.01, 1e-12);
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_NEAR(MetricValue(metrics, R"(amaima_cost_usd_total{model="big"})"), spent, 1e-12);
  EXPECT_EQ(fake_->requests().size(), 10U);
  const json::value mine = Parse(client_->Get("/v1/budgets"));
  EXPECT_NEAR(mine.at("data").at(0).at("spent_usd").to_number<double>(), spent, 1e-12);
  EXPECT_EQ(mine.at("data").at(0).at("reserved_usd").to_number<double>(), 0);
}

// NOLINTEND(readability-function-cognitive-complexity)

INSTANTIATE_TEST_SUITE_P(Backends, BudgetIntegrationTest, ::testing::ValuesIn(kAllBackends),
                         BackendTestName);

}  // namespace
}  // namespace amaima::testing
