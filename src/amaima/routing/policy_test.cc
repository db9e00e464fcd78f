#include "amaima/routing/policy.h"

#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "amaima/config/config_loader.h"
#include "amaima/core/check.h"

namespace amaima::routing {
namespace {

namespace json = boost::json;

std::string TestdataPath(const std::string& name) {
  return std::string(AMAIMA_SOURCE_DIR) + "/src/amaima/routing/testdata/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

config::Config TestConfig() {
  Result<config::Config> loaded =
      config::LoadConfigFromString(ReadFile(TestdataPath("policy_catalog.yaml")), {}, "catalog");
  AMAIMA_CHECK(loaded.has_value());
  return *loaded;
}

PolicyInput InputFor(const json::object& c) {
  PolicyInput input;
  const auto& probabilities = c.at("probabilities").as_array();
  std::size_t best = 0;
  for (std::size_t i = 0; i < probabilities.size(); ++i) {
    input.complexity.probabilities[i] = probabilities[i].to_number<double>();
    if (input.complexity.probabilities[i] > input.complexity.probabilities[best]) {
      best = i;
    }
  }
  input.complexity.level = static_cast<Level>(best);
  input.security.sensitive = c.contains("sensitive") && c.at("sensitive").as_bool();
  input.input_tokens =
      c.contains("input_tokens") ? c.at("input_tokens").to_number<std::int64_t>() : 50;
  if (const auto* constraints = c.if_contains("constraints")) {
    const json::object& k = constraints->as_object();
    if (const auto* model = k.if_contains("model")) {
      input.constraints.pinned_model = std::string(model->as_string());
    }
    if (const auto* cost = k.if_contains("max_cost_usd")) {
      input.constraints.max_cost_usd = cost->to_number<double>();
    }
    if (const auto* latency = k.if_contains("max_latency_ms")) {
      input.constraints.max_latency_ms = latency->to_number<double>();
    }
    if (const auto* tokens = k.if_contains("max_tokens")) {
      input.constraints.max_tokens = tokens->to_number<std::int64_t>();
    }
    if (const auto* capabilities = k.if_contains("capabilities")) {
      for (const auto& name : capabilities->as_array()) {
        input.constraints.required_capabilities.push_back(
            name.as_string() == "tools" ? Capability::kTools : Capability::kVision);
      }
    }
  }
  return input;
}

class PolicyCaseTest : public ::testing::TestWithParam<json::object> {};

TEST_P(PolicyCaseTest, MatchesExpectation) {
  const json::object& c = GetParam();
  DeviceProfile device;
  device.memory_total_gb =
      c.contains("device_memory_gb") ? c.at("device_memory_gb").to_number<double>() : 16.0;
  auto policy = RoutingPolicy::Create(TestConfig(), device);
  ASSERT_TRUE(policy) << policy.error().message;

  const Result<PolicyOutcome> outcome = (*policy)->Apply(InputFor(c));

  const json::object& expect = c.at("expect").as_object();
  if (const auto* error = expect.if_contains("error")) {
    ASSERT_FALSE(outcome) << "expected " << error->as_string();
    EXPECT_EQ(outcome.error().reason, error->as_string());
    return;
  }
  ASSERT_TRUE(outcome) << outcome.error().message;
  const Route& route = outcome->route;
  EXPECT_EQ(route.model, expect.at("model").as_string());
  if (const auto* level = expect.if_contains("routed_level")) {
    EXPECT_EQ(LevelName(route.routed_level), level->as_string());
  }
  if (const auto* borderline = expect.if_contains("borderline")) {
    EXPECT_EQ(route.borderline, borderline->as_bool());
  }
  if (const auto* reasons = expect.if_contains("reasons")) {
    std::vector<std::string> actual;
    for (const ReasonCode code : route.reason_codes) {
      actual.emplace_back(ReasonCodeName(code));
    }
    std::vector<std::string> expected;
    for (const auto& r : reasons->as_array()) {
      expected.emplace_back(r.as_string());
    }
    EXPECT_EQ(actual, expected);
  }
  if (const auto* chain = expect.if_contains("fallback_chain")) {
    std::vector<std::string> expected;
    for (const auto& m : chain->as_array()) {
      expected.emplace_back(m.as_string());
    }
    EXPECT_EQ(route.fallback_chain, expected);
  }
  if (const auto* tokens = expect.if_contains("output_tokens")) {
    EXPECT_EQ(outcome->estimates.output_tokens, tokens->to_number<std::int64_t>());
  }
  if (const auto* cost = expect.if_contains("cost_usd")) {
    EXPECT_NEAR(outcome->estimates.cost_usd, cost->to_number<double>(), 1e-9);
  }
  if (const auto* latency = expect.if_contains("latency_ms")) {
    EXPECT_NEAR(outcome->estimates.latency_ms, latency->to_number<double>(), 1e-3);
  }
  EXPECT_GT(outcome->confidence.overall, 0.0);
  EXPECT_LE(outcome->confidence.overall, 1.0);
  EXPECT_FALSE(outcome->explanation.empty());
  if (const auto* explanation = expect.if_contains("explanation")) {
    EXPECT_EQ(outcome->explanation, explanation->as_string());
  }
}

std::vector<json::object> LoadCases() {
  std::vector<json::object> cases;
  const json::value all = json::parse(ReadFile(TestdataPath("policy_cases.json")));
  for (const auto& c : all.as_array()) {
    cases.push_back(c.as_object());
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<json::object>& info) {
  std::string name;
  bool upper = true;
  for (const char ch : std::string(info.param.at("name").as_string())) {
    if (std::isalnum(static_cast<unsigned char>(ch)) != 0) {
      name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
      upper = false;
    } else {
      upper = true;
    }
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Testdata, PolicyCaseTest, ::testing::ValuesIn(LoadCases()), CaseName);

TEST(RoutingPolicyTest, RejectsMappingToUnknownModel) {
  config::Config config = TestConfig();
  config.router.model_mapping["EXPERT"] = "missing";

  const auto policy = RoutingPolicy::Create(config, DeviceProfile{});

  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("missing"), std::string::npos);
}

// The strong-vs-weak option: "expert" as the strong and "small" as the weak model.
class StrongWeakPolicyTest : public ::testing::Test {
 protected:
  StrongWeakPolicyTest() {
    config::Config config = TestConfig();
    config.router.strong_weak.strong_model = "expert";
    config.router.strong_weak.weak_model = "small";
    config.router.strong_weak.threshold = 0.4;
    DeviceProfile device;
    device.memory_total_gb = 16.0;
    auto created = RoutingPolicy::Create(config, device);
    AMAIMA_CHECK(created.has_value());
    policy_ = std::move(*created);
  }

  static PolicyInput Input(double probability, Level level = Level::kSimple) {
    PolicyInput input;
    input.complexity.level = level;
    input.complexity.probabilities[static_cast<std::size_t>(LevelIndex(level))] = 0.9;
    input.input_tokens = 50;
    input.strong_weak = StrongWeakScore{probability, 0.0, "strong-weak-linear-1+test"};
    return input;
  }

  std::unique_ptr<RoutingPolicy> policy_;
};

TEST_F(StrongWeakPolicyTest, RoutesByTheProbabilityThresholdAndRecordsBoth) {
  const Result<PolicyOutcome> strong = policy_->Apply(Input(0.4, Level::kTrivial));
  const Result<PolicyOutcome> weak = policy_->Apply(Input(0.39, Level::kExpert));
  ASSERT_TRUE(strong.has_value());
  ASSERT_TRUE(weak.has_value());

  EXPECT_EQ(strong->route.model, "expert");
  EXPECT_EQ(weak->route.model, "small");
  EXPECT_EQ(strong->route.reason_codes, std::vector{ReasonCode::kStrongWeakThreshold});
  ASSERT_TRUE(strong->route.strong_weak.has_value());
  EXPECT_DOUBLE_EQ(strong->route.strong_weak->probability, 0.4);
  EXPECT_DOUBLE_EQ(strong->route.strong_weak->threshold, 0.4);
  EXPECT_EQ(strong->route.strong_weak->model_version, "strong-weak-linear-1+test");
  EXPECT_EQ(weak->route.fallback_chain.front(), "expert");
  EXPECT_NE(strong->explanation.find("p=0.40 (threshold 0.40)"), std::string::npos)
      << strong->explanation;
}

TEST_F(StrongWeakPolicyTest, ASecurityEscalationGoesToTheStrongModel) {
  PolicyInput input = Input(0.05, Level::kTrivial);
  input.security.sensitive = true;
  const Result<PolicyOutcome> outcome = policy_->Apply(input);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->route.model, "expert");
  EXPECT_EQ(outcome->route.reason_codes,
            (std::vector{ReasonCode::kStrongWeakThreshold, ReasonCode::kSecurityEscalation}));
}

TEST_F(StrongWeakPolicyTest, ConstraintsStillApplyAndAPinnedModelWins) {
  PolicyInput input = Input(0.9);
  input.constraints.max_cost_usd = 1e-5;  // the strong model is too expensive
  const Result<PolicyOutcome> constrained = policy_->Apply(input);
  ASSERT_TRUE(constrained.has_value());
  EXPECT_NE(constrained->route.model, "expert");
  EXPECT_EQ(constrained->route.reason_codes,
            (std::vector{ReasonCode::kStrongWeakThreshold, ReasonCode::kCostConstraint}));

  PolicyInput pinned = Input(0.9);
  pinned.constraints.pinned_model = "medium";
  const Result<PolicyOutcome> outcome = policy_->Apply(pinned);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->route.model, "medium");
  EXPECT_EQ(outcome->route.reason_codes.front(), ReasonCode::kPinnedByClient);
}

TEST_F(StrongWeakPolicyTest, WithoutAProbabilityTheLevelMappingDecides) {
  PolicyInput input = Input(0.9);
  input.strong_weak.reset();
  const Result<PolicyOutcome> outcome = policy_->Apply(input);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->route.reason_codes.front(), ReasonCode::kLevelMapping);
  EXPECT_FALSE(outcome->route.strong_weak.has_value());
}

TEST(RoutingPolicyTest, RejectsAStrongWeakModelOutsideTheCatalog) {
  config::Config config = TestConfig();
  config.router.strong_weak.strong_model = "missing";
  config.router.strong_weak.weak_model = "small";
  EXPECT_FALSE(RoutingPolicy::Create(config, DeviceProfile{}).has_value());
}

}  // namespace
}  // namespace amaima::routing
