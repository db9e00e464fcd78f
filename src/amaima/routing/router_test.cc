#include "amaima/routing/router.h"

#include <gtest/gtest.h>

#include "amaima/config/config_loader.h"
#include "amaima/core/check.h"
#include "test/support/fake_clock.h"

namespace amaima::routing {
namespace {

std::unique_ptr<Router> MakeRouter(IdGenerator& ids, const Clock& clock, std::string key) {
  Result<config::Config> config = config::LoadConfig(config::LoadOptions{});
  AMAIMA_CHECK(config.has_value());
  auto classifier = ComplexityClassifier::LoadBuiltIn();
  AMAIMA_CHECK(classifier.has_value());
  DeviceProfile device;
  device.memory_total_gb = 16;
  auto policy = RoutingPolicy::Create(*config, device);
  AMAIMA_CHECK(policy.has_value());
  return std::make_unique<Router>(std::move(*classifier), std::move(*policy), config->router,
                                  std::move(key), ids, clock);
}

TEST(RouterTest, DecisionsAreDeterministicApartFromIdAndTime) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  const auto router = MakeRouter(ids, clock, "k1");
  RouteRequest request;
  request.query = "Write a Python function that merges two sorted lists.";

  const Result<Decision> first = router->Decide(request);
  clock.Advance(std::chrono::milliseconds(5));
  const Result<Decision> second = router->Decide(request);

  ASSERT_TRUE(first && second);
  EXPECT_NE(first->decision_id, second->decision_id);
  EXPECT_NE(first->created_at, second->created_at);
  EXPECT_EQ(first->query_hash, second->query_hash);
  EXPECT_EQ(first->complexity.probabilities, second->complexity.probabilities);
  EXPECT_EQ(first->route.model, second->route.model);
  EXPECT_EQ(first->route.fallback_chain, second->route.fallback_chain);
  EXPECT_EQ(first->confidence.overall, second->confidence.overall);
  EXPECT_EQ(first->estimates.cost_usd, second->estimates.cost_usd);
  EXPECT_EQ(first->explanation, second->explanation);
}

// With router.strong_weak on, the built-in strong-vs-weak model scores every query from
// the same analysis as the classifier, and the decision records probability, threshold
// and model version.
TEST(RouterTest, TheStrongWeakOptionRoutesByTheLearnedProbability) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  Result<config::Config> config = config::LoadConfig(config::LoadOptions{});
  ASSERT_TRUE(config.has_value());
  config->router.strong_weak.strong_model = "claude-sonnet-4";
  config->router.strong_weak.weak_model = "gpt-4o-mini";
  config->router.strong_weak.threshold = 0.5;
  auto classifier = ComplexityClassifier::LoadBuiltIn();
  auto strong_weak = StrongWeakModel::LoadBuiltIn();
  ASSERT_TRUE(classifier.has_value());
  ASSERT_TRUE(strong_weak.has_value()) << strong_weak.error().message;
  const std::string version = (*strong_weak)->version();
  DeviceProfile device;
  device.memory_total_gb = 16;
  auto policy = RoutingPolicy::Create(*config, device);
  ASSERT_TRUE(policy.has_value());
  const Router router(std::move(*classifier), std::move(*policy), config->router, "k", ids, clock,
                      std::move(*strong_weak));

  const auto model = StrongWeakModel::LoadBuiltIn();
  for (const char* query :
       {"hi there", "Prove that every planar graph is 5-colourable, by induction on vertices.",
        "A train leaves at 3pm at 60 mph; another leaves at 4pm at 80 mph. When does the "
        "second catch up?"}) {
    RouteRequest request;
    request.query = query;
    const Result<Decision> decision = router.Decide(request);
    ASSERT_TRUE(decision.has_value());
    ASSERT_TRUE(decision->route.strong_weak.has_value());
    const double p = decision->route.strong_weak->probability;
    EXPECT_DOUBLE_EQ(p, (*model)->Predict(query));  // the shared analysis changes nothing
    EXPECT_EQ(decision->route.strong_weak->model_version, version);
    EXPECT_DOUBLE_EQ(decision->route.strong_weak->threshold, 0.5);
    EXPECT_EQ(decision->route.model, p >= 0.5 ? "claude-sonnet-4" : "gpt-4o-mini");
    EXPECT_EQ(decision->route.reason_codes.front(), ReasonCode::kStrongWeakThreshold);
  }
}

TEST(RouterTest, QueryHashIsKeyedAndIgnoresCaseAndSpacing) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  const auto router_a = MakeRouter(ids, clock, "key-a");
  const auto router_b = MakeRouter(ids, clock, "key-b");
  RouteRequest one;
  one.query = "What is  the Capital of France?";
  RouteRequest two;
  two.query = "  what is the capital of france? ";

  const auto a1 = router_a->Decide(one);
  const auto a2 = router_a->Decide(two);
  const auto b1 = router_b->Decide(one);

  ASSERT_TRUE(a1 && a2 && b1);
  EXPECT_EQ(a1->query_hash, a2->query_hash);
  EXPECT_NE(a1->query_hash, b1->query_hash);
  EXPECT_EQ(a1->query_hash.size(), 64U);
}

TEST(RouterTest, DecisionOnlyModeSimulates) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  const auto router = MakeRouter(ids, clock, "k");
  RouteRequest request;
  request.query = "hello";

  const auto decision = router->Decide(request);

  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->simulated);
  EXPECT_FALSE(decision->execution_mode_active);
  EXPECT_EQ(decision->versions.router_model, router->router_model_version());
}

TEST(RouterTest, SensitiveQueriesAreFlaggedAndEscalated) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  const auto router = MakeRouter(ids, clock, "k");
  RouteRequest request;
  request.query = "Run rm -rf / on the server and drop table users;";

  const auto decision = router->Decide(request);

  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->security.sensitive);
  EXPECT_GE(decision->route.routed_level, Level::kModerate);
}

TEST(NormalizeQueryTest, LowersAndCollapsesWhitespace) {
  EXPECT_EQ(NormalizeQuery("  Hello \t\n WORLD  "), "hello world");
  EXPECT_EQ(NormalizeQuery(""), "");
}

}  // namespace
}  // namespace amaima::routing
