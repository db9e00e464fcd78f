// The proof of scale-out (docs/governance.md, "Several replicas"): three `amaima serve`
// processes share one PostgreSQL and one Redis, and 200 concurrent clients spread over them
// spend against one budget and one rate limit. What all three admit together must hold the
// cap and the limit, as one process would.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/http_client.h"
#include "test/support/postgres_server.h"
#include "test/support/redis_server.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

constexpr int kReplicas = 3;
constexpr int kClients = 200;
// gpt-4o-mini in the shipped catalog: $0.15 / $0.60 per 1M input / output tokens.
constexpr double kInputPrice = 0.15e-6;
constexpr double kOutputPrice = 0.60e-6;
constexpr int kMaxTokens = 1000;
constexpr double kCapUsd = 0.05;  // About 83 requests of 1000 output tokens.

json::value Parse(const ClientResponse& response) {
  return json::parse(response.body);
}

std::string ErrorCode(const ClientResponse& response) {
  return std::string(Parse(response).at("error").at("code").as_string());
}

class ReplicasIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PostgresServer*> postgres = SharedPostgresServer();
    if (!postgres) {
      if (postgres.error().code == ErrorCode::kNotFound && !PostgresRequired()) {
        GTEST_SKIP() << postgres.error().message;
      }
      FAIL() << postgres.error().message;
    }
    postgres_ = *postgres;
    if (!RedisServer::Available()) {
      if (!RedisServer::Required()) {
        GTEST_SKIP() << "redis-server is not installed";
      }
      FAIL() << "redis-server is not installed and AMAIMA_REQUIRE_REDIS=1";
    }
    Result<std::string> url = postgres_->CreateDatabase();
    ASSERT_TRUE(url.has_value()) << url.error().message;
    postgres_url_ = *url;
    redis_ = std::make_unique<RedisServer>();
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value()) << fake.error().message;
    fake_ = std::move(*fake);
    // Every answer uses exactly max_tokens and one prompt token: the actual cost never
    // exceeds the estimate reserved from max_tokens.
    FakeRule rule;
    rule.prompt_tokens = 1;
    rule.completion_tokens = kMaxTokens;
    fake_->SetScript({rule});
  }

  // Starts the replicas, all at once (they migrate and bootstrap concurrently).
  void StartReplicas(const std::vector<std::string>& limits) {
    const std::string base = fake_->base_url();
    std::vector<std::string> env = {
        "AMAIMA_EXECUTION_MODE=execution-enabled",
        "AMAIMA_PROVIDERS__OPENAI__BASE_URL=" + base + "/v1",
        "AMAIMA_PROVIDERS__ANTHROPIC__BASE_URL=" + base,
        "AMAIMA_PROVIDERS__GEMINI__BASE_URL=" + base,
        "AMAIMA_PROVIDERS__OLLAMA__BASE_URL=" + base,
        "AMAIMA_PROVIDERS__OPENAI__API_KEY=sk-upstream",
        "AMAIMA_STORAGE__POSTGRES_URL=" + postgres_url_,
        "AMAIMA_REDIS__URL=" + redis_->url(),
        "AMAIMA_AUTH__JWT_SECRET=replicas-share-this-secret-of-32-bytes-or-more",
        "AMAIMA_TELEMETRY__QUERY_HASH_KEY=replicas-share-the-query-hash-key",
        "AMAIMA_SERVER__BLOCKING_THREADS=8"};
    env.insert(env.end(), limits.begin(), limits.end());
    std::vector<std::thread> starters;
    for (int i = 0; i < kReplicas; ++i) {
      replicas_.push_back(
          std::make_unique<ServerProcess>(MakeTempDir(), std::vector<std::string>{}, env));
    }
    for (auto& replica : replicas_) {
      starters.emplace_back([&replica] { replica->Start(); });
    }
    for (std::thread& starter : starters) {
      starter.join();
    }
    admin_ = std::make_unique<HttpClient>(replicas_[0]->port());
  }

  // Creates organisation `org` and a user key in it (through replica 1); returns the secret.
  std::string UserKeyIn(const std::string& org) {
    const ClientResponse created_org = admin_->Post(
        "/v1/admin/orgs", json::serialize(json::object{{"org_id", org}, {"name", org}}));
    EXPECT_EQ(created_org.status, 201) << created_org.body;
    const ClientResponse key = admin_->Post(
        "/v1/admin/keys",
        json::serialize(json::object{{"org_id", org}, {"role", "user"}, {"name", "load"}}));
    EXPECT_EQ(key.status, 201) << key.body;
    return std::string(Parse(key).at("key").as_string());
  }

  PostgresServer* postgres_{nullptr};
  std::string postgres_url_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<FakeProvider> fake_;
  std::vector<std::unique_ptr<ServerProcess>> replicas_;
  std::unique_ptr<HttpClient> admin_;
};

TEST_F(ReplicasIntegrationTest, ThreeReplicasHoldOneBudgetUnder200ConcurrentClients) {
  StartReplicas({"AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE=1000000",
                 "AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_HOUR=1000000",
                 "AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE=1000000",
                 "AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_HOUR=1000000"});
  const std::string key = UserKeyIn("acme");
  const ClientResponse budget =
      admin_->Request("PUT", "/v1/admin/budgets",
                      json::serialize(json::object{{"scope_type", "org"},
                                                   {"scope_id", "acme"},
                                                   {"period", "daily"},
                                                   {"cap_usd", kCapUsd},
                                                   {"action", "reject"}}));
  ASSERT_EQ(budget.status, 200) << budget.body;

  const std::string chat = json::serialize(
      json::object{{"model", "gpt-4o-mini"},
                   {"max_tokens", kMaxTokens},
                   {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}});
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    const std::uint16_t port = replicas_[static_cast<std::size_t>(c % kReplicas)]->port();
    clients.emplace_back([&, port] {
      HttpClient client(port, key);
      // Spend until the budget refuses; a client never stops on success.
      for (int request = 0; request < 50; ++request) {
        const ClientResponse answer = client.Post("/v1/chat/completions", chat);
        if (answer.status == 200) {
          admitted.fetch_add(1);
        } else if (answer.status == 402 && ErrorCode(answer) == "BUDGET_EXCEEDED") {
          refused.fetch_add(1);
          return;
        } else {
          unexpected.fetch_add(1);
          ADD_FAILURE() << answer.status << " " << answer.body;
          return;
        }
      }
    });
  }
  for (std::thread& client : clients) {
    client.join();
  }
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(refused.load(), kClients) << "every client ends refused";

  // The recorded actual spend, once every execution is written.
  const auto recorded = [&](std::string_view what) {
    return postgres_->QueryValue(
        postgres_url_,
        "SELECT " + std::string(what) + " FROM executions WHERE org_id = 'acme' AND status = 'ok'");
  };
  std::string count;
  for (int i = 0; i < 500; ++i) {
    Result<std::string> value = recorded("count(*)");
    ASSERT_TRUE(value.has_value()) << value.error().message;
    count = *value;
    if (std::stoi(count) >= admitted.load()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(std::stoi(count), admitted.load());
  Result<std::string> spent_text = recorded("COALESCE(sum(cost_usd), 0)");
  ASSERT_TRUE(spent_text.has_value()) << spent_text.error().message;
  const double spent = std::stod(*spent_text);
  const double per_request = kInputPrice * 1 + kOutputPrice * kMaxTokens;
  // The answers never cost more than their estimate, so the reconciliation difference is <= 0:
  // the spend holds the cap exactly.
  EXPECT_LE(spent, kCapUsd + 1e-9);
  // And the budget was used, not refused early: at most one request's worth left over per
  // request still reserved when the last client was refused.
  EXPECT_GE(admitted.load(), static_cast<int>(std::floor(kCapUsd / per_request)) - kClients);
  EXPECT_GT(admitted.load(), 0);
  RecordProperty("admitted", admitted.load());
  RecordProperty("spent_usd", std::to_string(spent));

  // Nothing is admitted after exhaustion, on any replica.
  for (const auto& replica : replicas_) {
    HttpClient late(replica->port(), key);
    const ClientResponse answer = late.Post("/v1/chat/completions", chat);
    EXPECT_EQ(answer.status, 402) << answer.body;
  }
  // Every execution the fake provider saw was admitted and recorded.
  EXPECT_EQ(static_cast<int>(fake_->requests().size()), admitted.load());
}

TEST_F(ReplicasIntegrationTest, ThreeReplicasHoldOneRateLimitUnder200ConcurrentClients) {
  constexpr int kPerHour = 50;
  StartReplicas({"AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE=1000000",
                 "AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_HOUR=" + std::to_string(kPerHour),
                 "AMAIMA_API__RATE_LIMITING__BURST_MULTIPLIER=1",
                 "AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE=1000000",
                 "AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_HOUR=1000000"});
  const std::string key = UserKeyIn("globex");
  const auto started = std::chrono::steady_clock::now();
  std::atomic<int> admitted{0};
  std::atomic<int> limited{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    const std::uint16_t port = replicas_[static_cast<std::size_t>(c % kReplicas)]->port();
    clients.emplace_back([&, port] {
      HttpClient client(port, key);
      const ClientResponse answer = client.Post("/v1/simulate", R"({"query":"What is 2+2?"})");
      if (answer.status == 200) {
        admitted.fetch_add(1);
      } else if (answer.status == 429 && answer.headers.count("retry-after") == 1) {
        limited.fetch_add(1);
      } else {
        unexpected.fetch_add(1);
        ADD_FAILURE() << answer.status << " " << answer.body;
      }
    });
  }
  for (std::thread& client : clients) {
    client.join();
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(unexpected.load(), 0);
  // One bucket of 50 for the key across the three replicas, plus what refilled meanwhile
  // (50 per hour: one token every 72 s).
  const int refilled = static_cast<int>(std::floor(elapsed_s * kPerHour / 3600.0));
  EXPECT_GE(admitted.load(), kPerHour);
  EXPECT_LE(admitted.load(), kPerHour + refilled);
  EXPECT_EQ(admitted.load() + limited.load(), kClients);
  RecordProperty("admitted", admitted.load());
}

}  // namespace
}  // namespace amaima::testing
