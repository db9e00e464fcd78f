#include "amaima/api/v1/decision_json.h"

#include <boost/json/parse.hpp>
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

}  // namespace
}  // namespace amaima::api
