#include "amaima/api/v1/decision_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace amaima::api {
namespace {

routing::Decision SampleDecision() {
  routing::Decision decision;
  decision.decision_id = "01890000-0000-7000-8000-000000000001";
  decision.created_at =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'719'200'007));
  decision.request_id = "req";
  decision.org_id = "default";
  decision.query_hash = std::string(64, 'a');
  decision.complexity.level = routing::Level::kComplex;
  decision.complexity.probabilities = {0.0, 0.1, 0.2, 0.6, 0.1};
  decision.complexity.features = {{"length_words", 12}};
  decision.route.model = "gpt-4.1";
  decision.route.provider = "openai";
  decision.route.fallback_chain = {"claude-sonnet-4"};
  decision.route.reason_codes = {routing::ReasonCode::kLevelMapping,
                                 routing::ReasonCode::kBorderlineUpscale};
  decision.security.sensitive = true;
  decision.security.categories = {"code_generation"};
  decision.constraints.max_cost_usd = 0.25;
  return decision;
}

TEST(DecisionJsonTest, CarriesEveryFieldOfSchemaOneZeroZero) {
  const auto json = boost::json::parse(SerializeDecision(SampleDecision())).as_object();

  EXPECT_EQ(json.at("decision_schema_version").as_string(), "1.1.0");
  EXPECT_EQ(json.at("created_at").as_string(), "2025-11-21T10:00:00.007Z");
  EXPECT_EQ(json.at("complexity").at("level").as_string(), "COMPLEX");
  EXPECT_EQ(json.at("complexity").at("probabilities").at("COMPLEX").as_double(), 0.6);
  EXPECT_EQ(json.at("complexity").at("features").at("length_words").as_double(), 12);
  EXPECT_EQ(json.at("route").at("reason_codes").as_array().at(1).as_string(), "BORDERLINE_UPSCALE");
  EXPECT_EQ(json.at("security").at("categories").as_array().at(0).as_string(), "code_generation");
  EXPECT_EQ(json.at("constraints").at("model").as_string(), "auto");
  EXPECT_EQ(json.at("constraints").at("max_cost_usd").as_double(), 0.25);
  EXPECT_TRUE(json.at("constraints").at("max_latency_ms").is_null());
  EXPECT_EQ(json.at("execution_mode").as_string(), "decision-only");
  for (const char* key : {"overall", "classifier", "model_fit", "estimate"}) {
    EXPECT_TRUE(json.at("confidence").as_object().contains(key));
  }
}

TEST(DecisionJsonTest, EqualDecisionsSerialiseToEqualBytes) {
  EXPECT_EQ(SerializeDecision(SampleDecision()), SerializeDecision(SampleDecision()));
}

// Every optional part set, integer-valued doubles, and strings that need escaping.
routing::Decision FullDecision() {
  routing::Decision decision = SampleDecision();
  decision.complexity.score = 0.5;
  decision.complexity.features = {
      {"length_words", 2.0}, {"code_markers", 1.0 / 3.0}, {"numbers", 1e-7}, {"latex", 123456.789}};
  decision.route.upstream_model = "gpt-4.1-2025-04-14";
  decision.route.borderline = true;
  decision.route.classified_level = routing::Level::kModerate;
  decision.route.routed_level = routing::Level::kComplex;
  decision.route.strong_weak = routing::StrongWeakScore{0.731234567, 0.5, "sw-\"v2\""};
  decision.confidence = {0.9, 1.0, 0.0, 0.25};
  decision.estimates = {1200, 350, 0.0123456789, 850.5};
  decision.security.categories = {"secrets", "personal_data"};
  decision.constraints.pinned_model = "claude-sonnet-4";
  decision.constraints.max_cost_usd = 3.0;
  decision.constraints.max_latency_ms = 0.1;
  decision.constraints.max_tokens = 4096;
  decision.constraints.required_capabilities = {routing::Capability::kTools};
  decision.execution_mode = config::ExecutionMode::kExecutionEnabled;
  decision.execution_mode_active = true;
  decision.simulated = false;
  decision.versions = {"router-7", "policy-3", "pricing-2026-11"};
  decision.explanation = "Routed \"up\"\\back\nline\ttab\x01\x1f ctl, caf\xc3\xa9, </script>";
  return decision;
}

TEST(DecisionJsonTest, TheTextReadsBackAsTheTreeMemberForMember) {
  for (const routing::Decision& decision : {SampleDecision(), FullDecision()}) {
    const std::string text = SerializeDecision(decision);
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(text, ec);
    ASSERT_FALSE(ec) << ec.message() << "\n" << text;
    const boost::json::object tree = DecisionToJson(decision);

    // Same members, same order, same kinds and values (doubles stay doubles).
    EXPECT_EQ(parsed, boost::json::value(tree)) << text;
    EXPECT_EQ(boost::json::serialize(parsed), boost::json::serialize(tree));
  }
}

TEST(DecisionJsonTest, EscapesAsJsonRequires) {
  const std::string text = SerializeDecision(FullDecision());

  EXPECT_NE(text.find(R"("explanation":"Routed \"up\"\\back\nline\ttab\u0001\u001f ctl, )"
                      "caf\xc3\xa9, </script>\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("model_version":"sw-\"v2\"")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("max_cost_usd":3.0,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("max_tokens":4096,)"), std::string::npos) << text;
}

}  // namespace
}  // namespace amaima::api
