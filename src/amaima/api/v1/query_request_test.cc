#include "amaima/api/v1/query_request.h"

#include <gtest/gtest.h>

namespace amaima::api {
namespace {

std::string FieldOf(const Error& error) {
  for (const auto& [key, value] : error.details) {
    if (key == "field") {
      return value;
    }
  }
  return "";
}

TEST(QueryRequestTest, ParsesQueryAndConstraints) {
  const auto parsed = ParseQueryRequest(
      R"({"query":"hi","model":"gpt-4o","max_cost_usd":0.5,"max_latency_ms":2000,
          "max_tokens":64,"stream":true,"temperature":0.2})");

  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->route.query, "hi");
  EXPECT_EQ(parsed->route.constraints.pinned_model, "gpt-4o");
  EXPECT_EQ(parsed->route.constraints.max_cost_usd, 0.5);
  EXPECT_EQ(parsed->route.constraints.max_latency_ms, 2000);
  EXPECT_EQ(parsed->route.constraints.max_tokens, 64);
  EXPECT_TRUE(parsed->stream);
}

TEST(QueryRequestTest, MessagesUseTheLastUserTextAndCountEveryMessage) {
  const auto parsed = ParseQueryRequest(
      R"({"messages":[{"role":"system","content":"You are terse."},
                      {"role":"user","content":"first"},
                      {"role":"assistant","content":null},
                      {"role":"user","content":[{"type":"text","text":"second"},
                                                {"type":"image_url","image_url":{"url":"x"}}]}],
          "tools":[{"type":"function"}],"response_format":{"type":"json_object"}})");

  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->route.query, "second");
  EXPECT_GE(parsed->route.input_tokens, 4 * 4);
  const auto& capabilities = parsed->route.constraints.required_capabilities;
  EXPECT_EQ(capabilities.size(), 3U);
}

TEST(QueryRequestTest, AutoModelMeansNoPin) {
  const auto parsed = ParseQueryRequest(R"({"query":"hi","model":"auto"})");

  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->route.constraints.pinned_model.empty());
}

TEST(QueryRequestTest, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* reason;
    const char* field;
  };

  const Case cases[] = {
      {"", "VALIDATION_INVALID_JSON", ""},
      {"null", "VALIDATION_INVALID_TYPE", "$"},
      {R"({"query":true})", "VALIDATION_INVALID_TYPE", "query"},
      {R"({"messages":"hi"})", "VALIDATION_INVALID_TYPE", "messages"},
      {R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})", "VALIDATION_INVALID_TYPE",
       "messages[0].content[0].text"},
      {R"({"messages":[{"role":"assistant","content":"only me"}]})", "VALIDATION_INVALID_VALUE",
       "messages"},
      {R"({"query":"a","model":7})", "VALIDATION_INVALID_TYPE", "model"},
      {R"({"query":"a","max_tokens":0})", "VALIDATION_INVALID_VALUE", "max_tokens"},
      {R"({"query":"a","tools":{}})", "VALIDATION_INVALID_TYPE", "tools"},
      {R"({"query":"a","response_format":{"type":"xml"}})", "VALIDATION_INVALID_VALUE",
       "response_format.type"},
      {R"({"query":"a","stream":"yes"})", "VALIDATION_INVALID_TYPE", "stream"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    const auto parsed = ParseQueryRequest(c.body);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().reason, c.reason);
    EXPECT_EQ(FieldOf(parsed.error()), c.field);
  }
}

TEST(ExecuteRequestTest, RequiresAUuidDecisionId) {
  EXPECT_TRUE(ParseExecuteRequest(R"({"decision_id":"01890000-0000-7000-8000-000000000000"})"));
  EXPECT_EQ(ParseExecuteRequest("{}").error().reason, "VALIDATION_MISSING_FIELD");
  EXPECT_EQ(ParseExecuteRequest(R"({"decision_id":5})").error().reason, "VALIDATION_INVALID_TYPE");
  EXPECT_EQ(ParseExecuteRequest(R"({"decision_id":"x"})").error().reason,
            "VALIDATION_INVALID_VALUE");
}

}  // namespace
}  // namespace amaima::api
