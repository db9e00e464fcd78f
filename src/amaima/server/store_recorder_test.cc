#include "amaima/server/store_recorder.h"

#include <gtest/gtest.h>

namespace amaima::server {
namespace {

TEST(StoreDecisionRecorderTest, ToStoredKeepsIndexedFieldsAndPromptOnlyWhenGiven) {
  routing::Decision decision;
  decision.decision_id = "01890000-0000-7000-8000-000000000001";
  decision.created_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(42));
  decision.request_id = "req";
  decision.org_id = "acme";
  decision.query_hash = "abc";
  decision.route.model = "gpt-4o";
  decision.route.provider = "openai";
  decision.route.routed_level = routing::Level::kExpert;
  decision.versions.router_model = "rm-1";

  const auto without = StoreDecisionRecorder::ToStored(decision, "{}", std::nullopt);
  const auto with = StoreDecisionRecorder::ToStored(decision, "{}", "the prompt");

  EXPECT_EQ(without.decision_id, decision.decision_id);
  EXPECT_EQ(without.created_at_ms, 42);
  EXPECT_EQ(without.level, "EXPERT");
  EXPECT_EQ(without.model, "gpt-4o");
  EXPECT_EQ(without.execution_mode, "decision-only");
  EXPECT_EQ(without.decision_schema_version, "1.1.0");
  EXPECT_EQ(without.router_model_version, "rm-1");
  EXPECT_FALSE(without.prompt_text.has_value());
  EXPECT_EQ(with.prompt_text, "the prompt");
}

}  // namespace
}  // namespace amaima::server
