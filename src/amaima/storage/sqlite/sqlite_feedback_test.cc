// SqliteDecisionStore's feedback methods against a real SQLite file.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/core/ids.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"
#include "test/support/fake_clock.h"

namespace amaima::storage {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

class SqliteFeedbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_.File("decisions.db");
    options.read_connections = 2;
    Result<std::unique_ptr<SqliteDecisionStore>> opened = SqliteDecisionStore::Open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  // Inserts a decision whose classifier said `classified` (in its JSON body), with `prompt`
  // stored when given; returns its id.
  std::string AddDecision(const std::string& classified, std::optional<std::string> prompt) {
    StoredDecision record;
    record.decision_id = ids_.NewId();
    record.created_at_ms = UnixMillis(clock_.Now());
    record.request_id = "req";
    record.org_id = "org-a";
    record.level = classified;
    record.model = "small";
    record.provider = "openai";
    record.query_hash = "hash";
    record.execution_mode = "decision-only";
    record.decision_schema_version = "1.0.0";
    record.router_model_version = "router-7";
    record.body_json = R"({"decision_id":")" + record.decision_id + R"(","complexity":{"level":")"
                       + classified + R"("}})";
    record.prompt_text = std::move(prompt);
    EXPECT_TRUE(store_->InsertBatch(std::span(&record, 1)));
    return record.decision_id;
  }

  StoredFeedback MakeFeedback(const std::string& decision_id, std::optional<std::string> level,
                              std::optional<int> rating) {
    clock_.Advance(std::chrono::milliseconds(1));
    StoredFeedback feedback;
    feedback.feedback_id = ids_.NewId();
    feedback.decision_id = decision_id;
    feedback.org_id = "org-a";
    feedback.correct_level = std::move(level);
    feedback.rating = rating;
    feedback.created_at_ms = UnixMillis(clock_.Now());
    return feedback;
  }

  TempDir dir_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<SqliteDecisionStore> store_;
};

TEST_F(SqliteFeedbackTest, FeedbackIsListedByDecisionOldestFirst) {
  const std::string decision = AddDecision("SIMPLE", "hello");
  const std::string other = AddDecision("SIMPLE", std::nullopt);
  StoredFeedback first = MakeFeedback(decision, "COMPLEX", 2);
  first.comment = "needed a stronger model: \"quoted\", \u00e9";
  const StoredFeedback second = MakeFeedback(decision, std::nullopt, 5);
  const StoredFeedback elsewhere = MakeFeedback(other, "TRIVIAL", std::nullopt);
  ASSERT_TRUE(store_->InsertFeedback(second));
  ASSERT_TRUE(store_->InsertFeedback(first));  // Insertion order does not matter; ids do.
  ASSERT_TRUE(store_->InsertFeedback(elsewhere));

  const Result<std::vector<StoredFeedback>> listed = store_->ListFeedback(decision);

  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, (std::vector<StoredFeedback>{first, second}));
  EXPECT_FALSE((*listed)[1].correct_level.has_value());
  EXPECT_FALSE((*listed)[1].comment.has_value());
  EXPECT_TRUE(store_->ListFeedback(ids_.NewId())->empty());
}

TEST_F(SqliteFeedbackTest, FeedbackOnAnUnknownDecisionIsNotFound) {
  const StoredFeedback feedback = MakeFeedback(ids_.NewId(), "EXPERT", std::nullopt);

  const Status inserted = store_->InsertFeedback(feedback);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kNotFound);
  // The writer connection is usable afterwards.
  const std::string decision = AddDecision("SIMPLE", "hi");
  EXPECT_TRUE(store_->InsertFeedback(MakeFeedback(decision, "TRIVIAL", std::nullopt)));
}

TEST_F(SqliteFeedbackTest, DuplicateFeedbackIdIsAlreadyExists) {
  const StoredFeedback feedback = MakeFeedback(AddDecision("SIMPLE", "hi"), "TRIVIAL", 4);
  ASSERT_TRUE(store_->InsertFeedback(feedback));

  const Status again = store_->InsertFeedback(feedback);

  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(SqliteFeedbackTest, InvalidFeedbackIsRefusedBeforeAndByTheSchema) {
  const std::string decision = AddDecision("SIMPLE", "hi");
  StoredFeedback no_level_no_rating = MakeFeedback(decision, std::nullopt, std::nullopt);
  StoredFeedback bad_level = MakeFeedback(decision, "HARD", std::nullopt);
  StoredFeedback bad_rating = MakeFeedback(decision, std::nullopt, 6);
  StoredFeedback long_comment = MakeFeedback(decision, "SIMPLE", std::nullopt);
  long_comment.comment = std::string(kMaxFeedbackCommentBytes + 1, 'x');

  for (const StoredFeedback& feedback : {no_level_no_rating, bad_level, bad_rating, long_comment}) {
    const Status inserted = store_->InsertFeedback(feedback);

    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(store_->ListFeedback(decision)->empty());

  // The table's CHECKs refuse the same rows when written around the store.
  Result<SqliteConnection> db =
      OpenSqliteConnection(dir_.File("decisions.db"), SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db);
  ASSERT_TRUE(ExecSql(db->get(), "PRAGMA foreign_keys = ON"));
  const std::string prefix =
      "INSERT INTO feedback (feedback_id, decision_id, org_id, correct_level, rating, comment, "
      "created_at_ms) VALUES ('f', '"
      + decision + "', 'org-a', ";
  for (const std::string& values :
       {std::string("NULL, NULL, NULL, 1)"), std::string("'HARD', NULL, NULL, 1)"),
        std::string("NULL, 0, NULL, 1)"),
        std::string("'SIMPLE', NULL, printf('%.4001c', 'x'), 1)")}) {
    EXPECT_FALSE(ExecSql(db->get(), (prefix + values).c_str())) << values;
  }
  EXPECT_FALSE(ExecSql(db->get(),
                       "INSERT INTO feedback VALUES ('g', 'no-such-decision', 'o', 'SIMPLE', "
                       "NULL, NULL, 1)"));
  const std::string at_limit = prefix + "'SIMPLE', 5, printf('%.4000c', 'x'), 1)";
  EXPECT_TRUE(ExecSql(db->get(), at_limit.c_str()));
}

TEST_F(SqliteFeedbackTest, SamplesNeedALevelAndAStoredPrompt) {
  const std::string with_text = AddDecision("SIMPLE", "prove the four colour theorem");
  const std::string without_text = AddDecision("MODERATE", std::nullopt);
  const std::string other_text = AddDecision("EXPERT", "hi");
  const StoredFeedback corrected = MakeFeedback(with_text, "EXPERT", 1);
  const StoredFeedback rating_only = MakeFeedback(with_text, std::nullopt, 3);
  const StoredFeedback no_text = MakeFeedback(without_text, "COMPLEX", std::nullopt);
  const StoredFeedback no_text_again = MakeFeedback(without_text, "SIMPLE", std::nullopt);
  const StoredFeedback second = MakeFeedback(other_text, "TRIVIAL", std::nullopt);
  for (const StoredFeedback& feedback : {corrected, rating_only, no_text, no_text_again, second}) {
    ASSERT_TRUE(store_->InsertFeedback(feedback));
  }

  const Result<FeedbackSamples> samples = store_->ListFeedbackSamples();

  ASSERT_TRUE(samples) << samples.error().message;
  const std::vector<FeedbackSample> expected = {
      {corrected.feedback_id, with_text, "prove the four colour theorem", "EXPERT", "SIMPLE",
       corrected.created_at_ms},
      {second.feedback_id, other_text, "hi", "TRIVIAL", "EXPERT", second.created_at_ms},
  };
  EXPECT_EQ(samples->samples, expected);
  EXPECT_EQ(samples->skipped_without_text, 2);
}

TEST_F(SqliteFeedbackTest, ClassifiedLevelIsEmptyWhenTheBodyDoesNotRecordIt) {
  StoredDecision record;
  record.decision_id = ids_.NewId();
  record.level = "SIMPLE";
  record.body_json = "not json";
  record.prompt_text = "hello";
  ASSERT_TRUE(store_->InsertBatch(std::span(&record, 1)));
  ASSERT_TRUE(store_->InsertFeedback(MakeFeedback(record.decision_id, "TRIVIAL", std::nullopt)));

  const Result<FeedbackSamples> samples = store_->ListFeedbackSamples();

  ASSERT_TRUE(samples) << samples.error().message;
  ASSERT_EQ(samples->samples.size(), 1U);
  EXPECT_EQ(samples->samples[0].classified_level, "");
  EXPECT_EQ(samples->samples[0].text, "hello");
}

TEST_F(SqliteFeedbackTest, FeedbackSurvivesReopening) {
  const std::string decision = AddDecision("SIMPLE", "hi");
  const StoredFeedback feedback = MakeFeedback(decision, "TRIVIAL", 5);
  ASSERT_TRUE(store_->InsertFeedback(feedback));
  store_.reset();

  SqliteOptions options;
  options.path = dir_.File("decisions.db");
  options.read_connections = 1;
  Result<std::unique_ptr<SqliteDecisionStore>> reopened = SqliteDecisionStore::Open(options);

  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(*(*reopened)->ListFeedback(decision), (std::vector<StoredFeedback>{feedback}));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::storage
