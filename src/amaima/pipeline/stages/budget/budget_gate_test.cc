#include "amaima/pipeline/stages/budget/budget_gate.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include "amaima/config/config_loader.h"
#include "amaima/pipeline/stages/budget/budget_definitions.h"
#include "amaima/pipeline/stages/budget/budget_stage.h"
#include "test/support/fake_clock.h"
#include "test/support/run_to_completion.h"

namespace amaima::pipeline {
namespace {

// Output prices are 10, 5 and 1 USD per 1M tokens (input is free), so 100 output tokens cost
// 1000, 500 and 100 micro-dollars on big, mid and small.
constexpr std::string_view kCatalog = R"(
models:
  big: {provider: openai, upstream_model: up-big, context_window: 100000,
        capabilities: [chat, tools], output_price_per_1m: 10}
  mid: {provider: anthropic, upstream_model: up-mid, context_window: 100000,
        capabilities: [chat, tools], output_price_per_1m: 5}
  small: {provider: openai, upstream_model: up-small, context_window: 100000,
          capabilities: [chat], output_price_per_1m: 1}
  embedder: {provider: openai, upstream_model: up-embed, context_window: 100000,
             capabilities: [embeddings], input_price_per_1m: 0.01}
  huge-local: {provider: ollama, upstream_model: up-local, context_window: 100000,
               capabilities: [chat, tools], local: true, min_memory_gb: 512}
router:
  model_mapping: {TRIVIAL: big, SIMPLE: big, MODERATE: big, COMPLEX: big, EXPERT: big}
  fallback_chains: {big: [mid]}
  expected_output_tokens: {TRIVIAL: 10, SIMPLE: 20, MODERATE: 100, COMPLEX: 200, EXPERT: 400}
)";

// A BudgetStore in memory, counting its list calls.
class InMemoryBudgetStore final : public storage::BudgetStore {
 public:
  Result<storage::StoredBudget> UpsertBudget(const storage::StoredBudget& budget) override {
    const std::lock_guard lock(mutex_);
    rows_.push_back(budget);
    return budget;
  }

  Result<storage::StoredBudget> GetBudget(std::string_view budget_id) override {
    const std::lock_guard lock(mutex_);
    for (const storage::StoredBudget& row : rows_) {
      if (row.budget_id == budget_id) {
        return row;
      }
    }
    return Fail(ErrorCode::kNotFound, "no budget");
  }

  Result<std::vector<storage::StoredBudget>> ListBudgets(std::string_view org_id) override {
    const std::lock_guard lock(mutex_);
    ++lists_;
    if (fail_) {
      return Fail(ErrorCode::kUnavailable, "store down");
    }
    std::vector<storage::StoredBudget> out;
    for (const storage::StoredBudget& row : rows_) {
      if (org_id.empty() || row.org_id == org_id) {
        out.push_back(row);
      }
    }
    return out;
  }

  Status DeleteBudget(std::string_view /*budget_id*/) override { return {}; }

  int lists() const {
    const std::lock_guard lock(mutex_);
    return lists_;
  }

  void set_fail(bool fail) {
    const std::lock_guard lock(mutex_);
    fail_ = fail;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<storage::StoredBudget> rows_;  // GUARDED_BY(mutex_)
  int lists_{0};                             // GUARDED_BY(mutex_)
  bool fail_{false};                         // GUARDED_BY(mutex_)
};

// Keeps what the gate reported.
class RecordingEvents final : public BudgetEvents {
 public:
  void ThresholdCrossed(const BudgetThresholdNotice& notice) override {
    const std::lock_guard lock(mutex_);
    thresholds.push_back(notice);
  }

  void Settled(const storage::StoredBudget& budget, const limits::BudgetStatus& status) override {
    const std::lock_guard lock(mutex_);
    settled.emplace_back(budget.budget_id, status.spent_usd);
  }

  void Rejected(const Error& error) override {
    const std::lock_guard lock(mutex_);
    rejected.push_back(error);
  }

  void Downgraded(const storage::StoredBudget& budget, const std::string& from_model,
                  const std::string& to_model) override {
    const std::lock_guard lock(mutex_);
    downgraded.push_back(budget.budget_id + ":" + from_model + "->" + to_model);
  }

  std::mutex mutex_;
  std::vector<BudgetThresholdNotice> thresholds;
  std::vector<std::pair<std::string, double>> settled;
  std::vector<Error> rejected;
  std::vector<std::string> downgraded;
};

std::string_view DetailOf(const Error& error, std::string_view key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return {};
}

// GoogleTest macros count as branches; these bodies are flat sequences of checks.
// NOLINTBEGIN(readability-function-cognitive-complexity)
class BudgetGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = config::LoadConfigFromString(kCatalog);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    config_ = std::move(*config);
  }

  void TearDown() override { pool_.join(); }

  void AddBudget(std::string id, std::string scope_type, std::string scope_id, double cap,
                 std::string action = "reject", std::string period = "daily",
                 std::string org = "acme") {
    ASSERT_TRUE(store_
                    .UpsertBudget({std::move(id), std::move(scope_type), std::move(scope_id),
                                   std::move(org), std::move(period), cap, std::move(action), 1, 1})
                    .has_value());
  }

  BudgetGate MakeGate(BudgetGateOptions options = {}) {
    options.device_memory_gb = 16;
    return {config_, definitions_, ledger_, events_, ids_, pool_, options};
  }

  static Principal User(std::string key_id = "k1", std::string user_id = "") {
    Principal principal;
    principal.authenticated = true;
    principal.org_id = "acme";
    principal.key_id = std::move(key_id);
    principal.user_id = std::move(user_id);
    principal.role = Role::kUser;
    return principal;
  }

  // An executed exchange decided for `model` with `max_tokens` output tokens asked for.
  static Exchange Decided(std::optional<std::int64_t> max_tokens = 100,
                          const Principal& principal = User(), std::string model = "big") {
    Exchange exchange;
    exchange.request_id = "req-1";
    exchange.principal = principal;
    exchange.org_id = principal.Org();
    exchange.route_request.constraints.max_tokens = max_tokens;
    exchange.decision.emplace();
    exchange.decision->decision_id = "d-1";
    exchange.decision->simulated = false;
    exchange.decision->route.model = std::move(model);
    exchange.decision->route.provider = "openai";
    exchange.decision->route.fallback_chain = {"mid"};
    exchange.decision->route.routed_level = routing::Level::kModerate;
    exchange.decision->route.reason_codes = {routing::ReasonCode::kLevelMapping};
    exchange.decision->constraints.max_tokens = max_tokens;
    return exchange;
  }

  // Admits one request asking for `max_tokens` and settles it at `cost`.
  static void AdmitAndSettle(const BudgetGate& gate, std::int64_t max_tokens, double cost) {
    Exchange exchange = Decided(max_tokens);
    ASSERT_TRUE(testing::RunToCompletion(gate.Admit(exchange)).has_value());
    testing::RunToCompletion(exchange.budget_hold->Settle(cost));
  }

  limits::BudgetStatus StatusOf(std::string scope, double cap,
                                limits::BudgetPeriod period = limits::BudgetPeriod::kDaily) {
    return ledger_.Status(limits::BudgetScope{std::move(scope), cap, period});
  }

  config::Config config_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  InMemoryBudgetStore store_;
  BudgetDefinitions definitions_{store_, clock_, std::chrono::seconds(5)};
  limits::InProcessBudgetLedger ledger_{clock_};
  RecordingEvents events_;
  boost::asio::thread_pool pool_{2};
};

TEST_F(BudgetGateTest, WithoutBudgetsNothingIsReservedAndTheStoreIsReadOncePerTtl) {
  const BudgetGate gate = MakeGate();
  Exchange first = Decided();
  Exchange second = Decided();

  const Status admitted = testing::RunToCompletion(gate.Admit(first));
  const Status again = testing::RunToCompletion(gate.Admit(second));

  ASSERT_TRUE(admitted.has_value());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(first.budget_hold, nullptr);
  EXPECT_EQ(second.budget_hold, nullptr);
  EXPECT_EQ(store_.lists(), 1);
  EXPECT_EQ(ledger_.held_count(), 0U);
}

TEST_F(BudgetGateTest, ReservesTheEstimateAndSettlesTheActualCost) {
  AddBudget("b-org", "org", "acme", 1.0);
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);

  const Status admitted = testing::RunToCompletion(gate.Admit(exchange));

  ASSERT_TRUE(admitted.has_value()) << admitted.error().message;
  ASSERT_NE(exchange.budget_hold, nullptr);
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 1.0).reserved_usd, 0.001);  // 100 tokens at 10 USD/1M.
  testing::RunToCompletion(exchange.budget_hold->Settle(0.0004));
  const limits::BudgetStatus settled = StatusOf("org:acme", 1.0);
  EXPECT_DOUBLE_EQ(settled.reserved_usd, 0);
  EXPECT_DOUBLE_EQ(settled.spent_usd, 0.0004);
  ASSERT_EQ(events_.settled.size(), 1U);
  EXPECT_EQ(events_.settled[0].first, "b-org");
  EXPECT_DOUBLE_EQ(events_.settled[0].second, 0.0004);
  EXPECT_EQ(exchange.decision->route.model, "big");  // Admitted as decided.
}

TEST_F(BudgetGateTest, SettlingTwiceChargesOnce) {
  AddBudget("b-org", "org", "acme", 1.0);
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);
  ASSERT_TRUE(testing::RunToCompletion(gate.Admit(exchange)).has_value());

  testing::RunToCompletion(exchange.budget_hold->Settle(0.0004));
  testing::RunToCompletion(exchange.budget_hold->Settle(0.0004));
  exchange.budget_hold->SettleDetached(0.5);
  exchange.budget_hold.reset();
  pool_.join();

  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 1.0).spent_usd, 0.0004);
  EXPECT_EQ(ledger_.held_count(), 0U);
}

TEST_F(BudgetGateTest, RefusesWhatABudgetCannotAdmitWithTheDetailsOfTheBudget) {
  AddBudget("b-org", "org", "acme", 0.0015);
  const BudgetGate gate = MakeGate();
  Exchange first = Decided(100);
  ASSERT_TRUE(testing::RunToCompletion(gate.Admit(first)).has_value());
  testing::RunToCompletion(first.budget_hold->Settle(0.001));
  Exchange second = Decided(100);

  const Status refused = testing::RunToCompletion(gate.Admit(second));

  ASSERT_FALSE(refused.has_value());
  const Error& error = refused.error();
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.reason, "BUDGET_EXCEEDED");
  EXPECT_EQ(DetailOf(error, "scope"), "org:acme");
  EXPECT_EQ(DetailOf(error, "period"), "daily");
  EXPECT_EQ(DetailOf(error, "cap_usd"), "0.0015");
  EXPECT_EQ(DetailOf(error, "spent_usd"), "0.001");
  EXPECT_EQ(DetailOf(error, "estimated_usd"), "0.001");
  EXPECT_EQ(DetailOf(error, "budget_id"), "b-org");
  EXPECT_EQ(DetailOf(error, "request_id"), "req-1");
  EXPECT_FALSE(DetailOf(error, "period_end").empty());
  EXPECT_EQ(second.budget_hold, nullptr);
  EXPECT_EQ(second.decision->route.model, "big");
  ASSERT_EQ(events_.rejected.size(), 1U);
  EXPECT_EQ(ledger_.held_count(), 0U);
}

TEST_F(BudgetGateTest, DowngradesToTheCheapestModelThatServesTheRequestAndFits) {
  AddBudget("b-org", "org", "acme", 0.0006, "downgrade");
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);

  const Status admitted = testing::RunToCompletion(gate.Admit(exchange));

  ASSERT_TRUE(admitted.has_value()) << admitted.error().message;
  const routing::Decision& decision = *exchange.decision;
  // small (100 µ$) beats mid (500 µ$); both fit 600 µ$; embedder lacks chat, huge-local does
  // not fit this machine.
  EXPECT_EQ(decision.route.model, "small");
  EXPECT_EQ(decision.route.provider, "openai");
  EXPECT_EQ(decision.route.upstream_model, "up-small");
  EXPECT_EQ(decision.route.fallback_chain, std::vector<std::string>{"mid"});
  EXPECT_DOUBLE_EQ(decision.estimates.cost_usd, 0.0001);
  EXPECT_EQ(decision.estimates.output_tokens, 100);
  EXPECT_NE(std::find(decision.route.reason_codes.begin(), decision.route.reason_codes.end(),
                      routing::ReasonCode::kBudgetDowngrade),
            decision.route.reason_codes.end());
  EXPECT_NE(decision.explanation.find("BUDGET_DOWNGRADE"), std::string::npos);
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 0.0006).reserved_usd, 0.0001);
  EXPECT_EQ(events_.downgraded, std::vector<std::string>{"b-org:big->small"});
  EXPECT_TRUE(events_.rejected.empty());
}

TEST_F(BudgetGateTest, ADowngradeKeepsTheRequiredCapabilities) {
  AddBudget("b-org", "org", "acme", 0.0006, "downgrade");
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);
  exchange.route_request.constraints.required_capabilities = {routing::Capability::kTools};

  ASSERT_TRUE(testing::RunToCompletion(gate.Admit(exchange)).has_value());

  EXPECT_EQ(exchange.decision->route.model, "mid");  // small has no tools.
  EXPECT_TRUE(exchange.decision->route.fallback_chain.empty());
}

TEST_F(BudgetGateTest, ADowngradeThatFindsNothingThatFitsIsRefused) {
  AddBudget("b-org", "org", "acme", 0.00005, "downgrade");
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);

  const Status refused = testing::RunToCompletion(gate.Admit(exchange));

  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
  EXPECT_EQ(DetailOf(refused.error(), "action"), "downgrade");
  EXPECT_EQ(exchange.decision->route.model, "big");
  EXPECT_TRUE(events_.downgraded.empty());
}

TEST_F(BudgetGateTest, AModelTheClientPinnedIsNeverDowngraded) {
  AddBudget("b-org", "org", "acme", 0.0006, "downgrade");
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);
  exchange.route_request.constraints.pinned_model = "big";
  exchange.decision->constraints.pinned_model = "big";

  const Status refused = testing::RunToCompletion(gate.Admit(exchange));

  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
  EXPECT_EQ(exchange.decision->route.model, "big");
}

TEST_F(BudgetGateTest, AdminsAreChargedUnlessTheyAreConfiguredToBypass) {
  AddBudget("b-org", "org", "acme", 0.0005);
  Principal admin = User();
  admin.role = Role::kAdmin;
  const BudgetGate strict = MakeGate();
  BudgetGateOptions bypass_options;
  bypass_options.admins_bypass = true;
  const BudgetGate lenient = MakeGate(bypass_options);
  Exchange charged = Decided(100, admin);
  Exchange bypassing = Decided(100, admin);
  Exchange user = Decided(100, User());

  const Status refused = testing::RunToCompletion(strict.Admit(charged));
  const Status admitted = testing::RunToCompletion(lenient.Admit(bypassing));
  const Status user_refused = testing::RunToCompletion(lenient.Admit(user));

  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
  ASSERT_TRUE(admitted.has_value());
  EXPECT_EQ(bypassing.budget_hold, nullptr);
  ASSERT_FALSE(user_refused.has_value());
}

TEST_F(BudgetGateTest, KeyAndUserBudgetsApplyToTheirOwnRequestsWithinTheirOrganisation) {
  AddBudget("b-key", "key", "k1", 1.0);
  AddBudget("b-user", "user", "u1", 2.0, "reject", "monthly");
  AddBudget("b-foreign", "key", "k1", 0.0, "reject", "daily", "globex");  // Not acme's.
  const BudgetGate gate = MakeGate();
  Exchange mine = Decided(100, User("k1", "u1"));
  Exchange other_key = Decided(100, User("k2", ""));

  ASSERT_TRUE(testing::RunToCompletion(gate.Admit(mine)).has_value());
  ASSERT_TRUE(testing::RunToCompletion(gate.Admit(other_key)).has_value());

  ASSERT_NE(mine.budget_hold, nullptr);
  EXPECT_EQ(other_key.budget_hold, nullptr);
  EXPECT_DOUBLE_EQ(StatusOf("key:k1", 1.0).reserved_usd, 0.001);
  EXPECT_DOUBLE_EQ(StatusOf("user:u1", 2.0, limits::BudgetPeriod::kMonthly).reserved_usd, 0.001);
}

TEST_F(BudgetGateTest, AHoldDestroyedUnsettledIsReleased) {
  AddBudget("b-org", "org", "acme", 1.0);
  const BudgetGate gate = MakeGate();
  {
    Exchange exchange = Decided(100);
    ASSERT_TRUE(testing::RunToCompletion(gate.Admit(exchange)).has_value());
    EXPECT_EQ(ledger_.held_count(), 1U);
  }

  pool_.join();  // The release runs on the pool.

  EXPECT_EQ(ledger_.held_count(), 0U);
  const limits::BudgetStatus status = StatusOf("org:acme", 1.0);
  EXPECT_DOUBLE_EQ(status.reserved_usd, 0);
  EXPECT_DOUBLE_EQ(status.spent_usd, 0);
}

TEST_F(BudgetGateTest, ThresholdCrossingsAreReportedWithTheBudgetAndTheRequest) {
  AddBudget("b-org", "org", "acme", 0.01);
  const BudgetGate gate = MakeGate();
  const std::vector<double> costs = {0.005, 0.003, 0.0015, 0.0005};

  for (const double cost : costs) {
    AdmitAndSettle(gate, 10, cost);  // 100 µ$ reserved each.
  }

  std::vector<int> percents;
  std::vector<limits::BudgetSeverity> severities;
  std::vector<std::string> reported;  // budget, scope, request and subject of each notice
  for (const BudgetThresholdNotice& notice : events_.thresholds) {
    percents.push_back(notice.threshold_percent);
    severities.push_back(notice.severity);
    reported.push_back(notice.budget.budget_id + " " + notice.scope + " " + notice.request_id + " "
                       + notice.subject);
  }
  EXPECT_EQ(percents, (std::vector<int>{50, 80, 95, 100}));
  EXPECT_EQ(severities,
            (std::vector<limits::BudgetSeverity>{
                limits::BudgetSeverity::kWarning, limits::BudgetSeverity::kAlert,
                limits::BudgetSeverity::kCritical, limits::BudgetSeverity::kExhausted}));
  EXPECT_EQ(reported, std::vector<std::string>(4, "b-org org:acme req-1 key:k1"));
  ASSERT_EQ(events_.thresholds.size(), 4U);
  EXPECT_DOUBLE_EQ(events_.thresholds[0].spent_usd, 0.005);
  EXPECT_DOUBLE_EQ(events_.thresholds[0].cap_usd, 0.01);
}

TEST_F(BudgetGateTest, TheOutputEstimateIsMaxTokensElseTheConfiguredDefaultElseTheLevels) {
  AddBudget("b-org", "org", "acme", 1.0);
  BudgetGateOptions with_default;
  with_default.default_max_tokens_estimate = 50;
  const BudgetGate by_level = MakeGate();
  const BudgetGate by_default = MakeGate(with_default);
  Exchange max_tokens = Decided(7);
  Exchange level = Decided(std::nullopt);
  level.decision->route.routed_level = routing::Level::kComplex;
  Exchange fallback = Decided(std::nullopt);

  ASSERT_TRUE(testing::RunToCompletion(by_default.Admit(max_tokens)).has_value());
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 1.0).reserved_usd, 0.00007);
  ASSERT_TRUE(testing::RunToCompletion(by_level.Admit(level)).has_value());
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 1.0).reserved_usd, 0.00207);
  ASSERT_TRUE(testing::RunToCompletion(by_default.Admit(fallback)).has_value());
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 1.0).reserved_usd, 0.00257);
}

TEST_F(BudgetGateTest, AStoreThatCannotBeReadFailsTheRequest) {
  store_.set_fail(true);
  const BudgetGate gate = MakeGate();
  Exchange exchange = Decided(100);

  const Status failed = testing::RunToCompletion(gate.Admit(exchange));

  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
}

TEST_F(BudgetGateTest, AFixedCostIsReservedWithoutADecision) {
  AddBudget("b-org", "org", "acme", 0.001);
  const BudgetGate gate = MakeGate();

  auto admitted = testing::RunToCompletion(gate.AdmitCost(User(), "req-e", 0.0008));
  auto refused = testing::RunToCompletion(gate.AdmitCost(User(), "req-f", 0.0008));

  ASSERT_TRUE(admitted.has_value());
  ASSERT_NE(*admitted, nullptr);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(DetailOf(refused.error(), "request_id"), "req-f");
  testing::RunToCompletion((*admitted)->Settle(0.0002));
  EXPECT_DOUBLE_EQ(StatusOf("org:acme", 0.001).spent_usd, 0.0002);
}

TEST_F(BudgetGateTest, TheStageChargesExecutedRequestsOnly) {
  AddBudget("b-org", "org", "acme", 0.0);
  const BudgetGate gate = MakeGate();
  BudgetStage stage(gate);
  Exchange simulated = Decided(100);
  simulated.decision->simulated = true;
  Exchange executed = Decided(100);

  const Result<Verdict> passed = testing::RunToCompletion(stage.OnRequest(simulated));
  const Result<Verdict> refused = testing::RunToCompletion(stage.OnRequest(executed));

  ASSERT_TRUE(passed.has_value());
  EXPECT_EQ(*passed, Verdict::kContinue);
  EXPECT_EQ(simulated.budget_hold, nullptr);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
}

TEST_F(BudgetGateTest, ConcurrentRequestsNeverOvershootTheCap) {
  // Each request is estimated at and costs 1000 µ$: a cap of 10.5 of them admits exactly 10,
  // however the threads interleave.
  AddBudget("b-org", "org", "acme", 0.0105);
  const BudgetGate gate = MakeGate();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Exchange exchange = Decided(100);
        const Status status = testing::RunToCompletion(gate.Admit(exchange));
        if (!status) {
          refused.fetch_add(1);
          continue;
        }
        admitted.fetch_add(1);
        testing::RunToCompletion(exchange.budget_hold->Settle(0.001));
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(admitted.load(), 10);
  EXPECT_EQ(refused.load(), kThreads * kPerThread - 10);
  const limits::BudgetStatus status = StatusOf("org:acme", 0.0105);
  EXPECT_DOUBLE_EQ(status.spent_usd, 0.01);
  EXPECT_DOUBLE_EQ(status.reserved_usd, 0);
}

class BudgetDefinitionsTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  InMemoryBudgetStore store_;
  BudgetDefinitions definitions_{store_, clock_, std::chrono::seconds(5)};
};

TEST_F(BudgetDefinitionsTest, CachesPerOrganisationForTheTtlAndForgetsOnInvalidate) {
  ASSERT_TRUE(definitions_.ForOrg("acme").has_value());
  ASSERT_TRUE(definitions_.ForOrg("acme").has_value());
  EXPECT_EQ(store_.lists(), 1);
  EXPECT_TRUE(definitions_.Cached("acme").has_value());
  EXPECT_FALSE(definitions_.Cached("globex").has_value());

  clock_.Advance(std::chrono::seconds(5));
  EXPECT_FALSE(definitions_.Cached("acme").has_value());
  ASSERT_TRUE(definitions_.ForOrg("acme").has_value());
  EXPECT_EQ(store_.lists(), 2);

  definitions_.Invalidate("acme");
  EXPECT_FALSE(definitions_.Cached("acme").has_value());
  ASSERT_TRUE(definitions_.ForOrg("acme").has_value());
  EXPECT_EQ(store_.lists(), 3);
}

TEST(BudgetsForTest, SelectsTheCallersOrgKeyAndUserBudgetsInOrder) {
  const std::vector<storage::StoredBudget> rows = {
      {"u", "user", "u1", "acme", "daily", 1, "reject", 0, 0},
      {"km", "key", "k1", "acme", "monthly", 1, "reject", 0, 0},
      {"kd", "key", "k1", "acme", "daily", 1, "reject", 0, 0},
      {"o", "org", "acme", "acme", "monthly", 1, "reject", 0, 0},
      {"other-key", "key", "k2", "acme", "daily", 1, "reject", 0, 0},
      {"other-org", "org", "globex", "globex", "daily", 1, "reject", 0, 0},
  };
  Principal principal;
  principal.authenticated = true;
  principal.org_id = "acme";
  principal.key_id = "k1";
  principal.user_id = "u1";

  const std::vector<storage::StoredBudget> applying = BudgetsFor(rows, principal);

  std::vector<std::string> ids;
  ids.reserve(applying.size());
  for (const storage::StoredBudget& budget : applying) {
    ids.push_back(budget.budget_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"o", "kd", "km", "u"}));
  EXPECT_EQ(LedgerScope(applying[1]).id, "key:k1");
  EXPECT_EQ(LedgerScope(applying[1]).period, limits::BudgetPeriod::kDaily);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::pipeline
