// POST /v1/feedback and the feedback in GET /v1/decisions/{id}: V1Api's handlers, called
// directly, over a real SQLite store.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/api/v1/feedback_json.h"
#include "amaima/api/v1/v1_api.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "test/support/fake_clock.h"
#include "test/support/run_to_completion.h"

namespace amaima::api {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

class FeedbackApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "amaima-feedback-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    storage::SqliteOptions options;
    options.path = (dir_ / "decisions.db").string();
    options.read_connections = 1;
    auto store = storage::SqliteDecisionStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    api_ = std::make_unique<V1Api>(pipeline_, *store_, pool_, clock_, ServiceInfo{});
  }

  void TearDown() override {
    api_.reset();
    pool_.join();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Stores a decision of `org` as the recorder would and returns its id.
  std::string AddDecision(const std::string& org = "org-a") {
    storage::StoredDecision record;
    record.decision_id = ids_.NewId();
    record.org_id = org;
    record.level = "SIMPLE";
    record.body_json = R"({"decision_id":")" + record.decision_id
                       + R"(","complexity":{"level":"SIMPLE"},"route":{"model":"small"}})";
    EXPECT_TRUE(store_->InsertBatch(std::span(&record, 1)));
    return record.decision_id;
  }

  HttpResponse Post(std::string body, std::string content_type = "application/json") {
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/feedback";
    request.request_id = "req-1";
    request.headers.emplace_back("content-type", std::move(content_type));
    request.body = std::move(body);
    return testing::RunToCompletion(api_->PostFeedback(request));
  }

  HttpResponse GetDecision(const std::string& id) {
    HttpRequest request;
    request.method = "GET";
    request.path = "/v1/decisions/" + id;
    request.request_id = "req-2";
    request.path_params.emplace_back("id", id);
    return testing::RunToCompletion(api_->GetDecision(request));
  }

  static json::object ErrorOf(const HttpResponse& response) {
    return json::parse(response.body).at("error").as_object();
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  pipeline::Pipeline pipeline_{{}};
  boost::asio::thread_pool pool_{1};
  std::unique_ptr<storage::SqliteDecisionStore> store_;
  std::unique_ptr<V1Api> api_;
};

TEST_F(FeedbackApiTest, StoresFeedbackAndAnswers201WithIt) {
  const std::string decision = AddDecision("org-b");

  const HttpResponse response =
      Post(R"({"decision_id":")" + decision
           + R"(","correct_level":"EXPERT","rating":2,"comment":"too weak","extra":1})");

  ASSERT_EQ(response.status, 201) << response.body;
  const json::object body = json::parse(response.body).as_object();
  EXPECT_EQ(body.at("decision_id").as_string(), decision);
  EXPECT_EQ(body.at("org_id").as_string(), "org-b");  // The decision's organisation.
  EXPECT_EQ(body.at("correct_level").as_string(), "EXPERT");
  EXPECT_EQ(body.at("rating").as_int64(), 2);
  EXPECT_EQ(body.at("comment").as_string(), "too weak");
  EXPECT_EQ(body.at("created_at").as_string(), FormatRfc3339(clock_.Now()));
  EXPECT_TRUE(IsUuid(body.at("feedback_id").as_string()));
  const auto stored = store_->ListFeedback(decision);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1U);
  EXPECT_EQ(json::serialize(FeedbackToJson(stored->front())), response.body);
}

TEST_F(FeedbackApiTest, ARatingAloneOrALevelAloneIsEnough) {
  const std::string decision = AddDecision();

  const HttpResponse rating = Post(R"({"decision_id":")" + decision + R"(","rating":5})");
  const HttpResponse level =
      Post(R"({"decision_id":")" + decision + R"(","correct_level":"TRIVIAL","rating":null})");

  ASSERT_EQ(rating.status, 201) << rating.body;
  ASSERT_EQ(level.status, 201) << level.body;
  EXPECT_TRUE(json::parse(rating.body).at("correct_level").is_null());
  EXPECT_TRUE(json::parse(rating.body).at("comment").is_null());
  EXPECT_TRUE(json::parse(level.body).at("rating").is_null());
  EXPECT_EQ(store_->ListFeedback(decision)->size(), 2U);
}

TEST_F(FeedbackApiTest, UnknownDecisionIs404WithItsId) {
  const std::string unknown = ids_.NewId();

  const HttpResponse response = Post(R"({"decision_id":")" + unknown + R"(","rating":3})");

  ASSERT_EQ(response.status, 404) << response.body;
  const json::object error = ErrorOf(response);
  EXPECT_EQ(error.at("code").as_string(), "QUERY_DECISION_NOT_FOUND");
  EXPECT_EQ(error.at("details").at("decision_id").as_string(), unknown);
  EXPECT_EQ(error.at("request_id").as_string(), "req-1");
}

TEST_F(FeedbackApiTest, InvalidBodiesGetPreciseErrors) {
  const std::string id = AddDecision();
  const std::string prefix = R"({"decision_id":")" + id + R"(",)";

  struct Case {
    std::string body;
    int status;
    const char* code;
    const char* field;
  };

  const std::vector<Case> cases = {
      {R"({"decision_id": )", 400, "VALIDATION_INVALID_JSON", ""},
      {R"([1,2])", 400, "VALIDATION_INVALID_TYPE", "$"},
      {R"({"rating":3})", 400, "VALIDATION_MISSING_FIELD", "decision_id"},
      {R"({"decision_id":42,"rating":3})", 400, "VALIDATION_INVALID_TYPE", "decision_id"},
      {R"({"decision_id":"d-1","rating":3})", 400, "VALIDATION_INVALID_VALUE", "decision_id"},
      {prefix + R"("comment":"no level, no rating"})", 400, "VALIDATION_MISSING_FIELD",
       "correct_level"},
      {prefix + R"("correct_level":null,"rating":null})", 400, "VALIDATION_MISSING_FIELD",
       "correct_level"},
      {prefix + R"("correct_level":"HARD"})", 400, "VALIDATION_INVALID_VALUE", "correct_level"},
      {prefix + R"("correct_level":"expert"})", 400, "VALIDATION_INVALID_VALUE", "correct_level"},
      {prefix + R"("correct_level":4})", 400, "VALIDATION_INVALID_TYPE", "correct_level"},
      {prefix + R"("rating":0})", 400, "VALIDATION_INVALID_VALUE", "rating"},
      {prefix + R"("rating":6})", 400, "VALIDATION_INVALID_VALUE", "rating"},
      {prefix + R"("rating":-9223372036854775808})", 400, "VALIDATION_INVALID_VALUE", "rating"},
      {prefix + R"("rating":18446744073709551615})", 400, "VALIDATION_INVALID_VALUE", "rating"},
      {prefix + R"("rating":4.5})", 400, "VALIDATION_INVALID_TYPE", "rating"},
      {prefix + R"("rating":4.0})", 400, "VALIDATION_INVALID_TYPE", "rating"},
      {prefix + R"("rating":"5"})", 400, "VALIDATION_INVALID_TYPE", "rating"},
      {prefix + R"("rating":true})", 400, "VALIDATION_INVALID_TYPE", "rating"},
      {prefix + R"("rating":3,"comment":7})", 400, "VALIDATION_INVALID_TYPE", "comment"},
      {prefix + R"("rating":3,"comment":")"
           + std::string(storage::kMaxFeedbackCommentBytes + 1, 'x') + R"("})",
       400, "VALIDATION_INVALID_VALUE", "comment"},
  };

  for (const Case& c : cases) {
    const HttpResponse response = Post(c.body);

    const std::string shown = c.body.substr(0, 120);
    ASSERT_EQ(response.status, c.status) << shown << "\n" << response.body;
    const json::object error = ErrorOf(response);
    EXPECT_EQ(error.at("code").as_string(), c.code) << shown;
    const json::value* field = error.at("details").as_object().if_contains("field");
    EXPECT_EQ(field == nullptr ? "" : std::string(field->as_string()), c.field) << shown;
    EXPECT_EQ(error.at("request_id").as_string(), "req-1");
  }
  EXPECT_TRUE(store_->ListFeedback(id)->empty());
}

TEST_F(FeedbackApiTest, ACommentOfExactlyTheLimitIsAccepted) {
  const std::string id = AddDecision();

  const HttpResponse response =
      Post(R"({"decision_id":")" + id + R"(","rating":1,"comment":")"
           + std::string(storage::kMaxFeedbackCommentBytes, 'x') + R"("})");

  EXPECT_EQ(response.status, 201) << response.body.substr(0, 200);
}

TEST_F(FeedbackApiTest, ABodyThatIsNotJsonByContentTypeIs415) {
  const std::string id = AddDecision();

  const HttpResponse response = Post(R"({"decision_id":")" + id + R"(","rating":3})", "text/plain");

  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(ErrorOf(response).at("code").as_string(), "VALIDATION_UNSUPPORTED_MEDIA_TYPE");
}

TEST_F(FeedbackApiTest, GetDecisionIncludesItsFeedbackOldestFirst) {
  const std::string id = AddDecision();
  const std::string other = AddDecision();
  const HttpResponse none = GetDecision(id);
  ASSERT_EQ(Post(R"({"decision_id":")" + id + R"(","correct_level":"COMPLEX"})").status, 201);
  clock_.Advance(std::chrono::milliseconds(5));
  ASSERT_EQ(Post(R"({"decision_id":")" + id + R"(","rating":4,"comment":"ok"})").status, 201);
  ASSERT_EQ(Post(R"({"decision_id":")" + other + R"(","rating":1})").status, 201);

  const HttpResponse some = GetDecision(id);

  ASSERT_EQ(none.status, 200) << none.body;
  ASSERT_EQ(some.status, 200) << some.body;
  json::object without = json::parse(none.body).as_object();
  EXPECT_EQ(without.at("feedback"), json::array());
  json::object with = json::parse(some.body).as_object();
  const json::array feedback = with.at("feedback").as_array();
  ASSERT_EQ(feedback.size(), 2U);
  EXPECT_EQ(feedback[0].at("correct_level").as_string(), "COMPLEX");
  EXPECT_EQ(feedback[1].at("rating").as_int64(), 4);
  EXPECT_EQ(feedback[1].at("comment").as_string(), "ok");
  // The decision itself is unchanged.
  with.erase("feedback");
  without.erase("feedback");
  EXPECT_EQ(with, without);
  EXPECT_EQ(with.at("complexity").at("level").as_string(), "SIMPLE");
}

TEST_F(FeedbackApiTest, TheRouteIsRegistered) {
  http::RouteTable routes;
  api_->Register(routes);

  const http::RouteTable::Match match = routes.Find("POST", "/v1/feedback");

  EXPECT_EQ(match.status, http::RouteTable::MatchStatus::kFound);
}

TEST(DecisionWithFeedbackTest, SplicesTheArrayIntoTheStoredObject) {
  storage::StoredFeedback feedback;
  feedback.feedback_id = "f";
  feedback.decision_id = "d";
  feedback.org_id = "o";
  feedback.rating = 3;

  EXPECT_EQ(DecisionWithFeedback("{}", {}), R"({"feedback":[]})");
  EXPECT_EQ(DecisionWithFeedback(R"({"a":1})", {}), R"({"a":1,"feedback":[]})");
  EXPECT_EQ(json::parse(DecisionWithFeedback(R"({"a":{"b":[]}})"
                                             "\n",
                                             {feedback}))
                .at("feedback")
                .at(0)
                .at("rating"),
            json::value(3));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::api
