#include "amaima/routing/training/retrain.h"

#include <memory>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "amaima/routing/complexity_model.h"

namespace amaima::routing::training {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace json = boost::json;

std::vector<LabelledQuery> Base() {
  const std::vector<std::pair<std::string, Level>> texts = {
      {"hi", Level::kTrivial},
      {"hello there", Level::kTrivial},
      {"what is the capital of Spain?", Level::kSimple},
      {"convert 3 km to miles", Level::kSimple},
      {"explain how a hash table works", Level::kModerate},
      {"write a python function to sort a list", Level::kModerate},
      {"implement an LRU cache in C++ and analyze its complexity", Level::kComplex},
      {"derive the closed form of a geometric series and apply it", Level::kComplex},
      {"prove that there are infinitely many primes", Level::kExpert},
      {"design a byzantine fault tolerant consensus protocol and prove safety", Level::kExpert},
  };
  std::vector<LabelledQuery> rows;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    rows.push_back(LabelledQuery{"b:" + std::to_string(i), texts[i].first, texts[i].second,
                                 "GENERAL", "test"});
  }
  return rows;
}

RetrainOptions SmallOptions() {
  RetrainOptions options;
  options.train.hash_bits = 10;
  options.train.epochs = 3;
  return options;
}

std::unique_ptr<ComplexityClassifier> TrainedOn(const std::vector<LabelledQuery>& rows,
                                                const RetrainOptions& options) {
  Result<ModelWeights> weights = Train(rows, options.train);
  EXPECT_TRUE(weights);
  auto model = ComplexityClassifier::FromBytes(SerializeModel(*weights));
  EXPECT_TRUE(model);
  return std::move(*model);
}

TEST(RetrainTest, FeedbackSplitIsDeterministicAndHoldsOutAboutThirtyPercent) {
  int held_out = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "0190a000-0000-7000-8000-" + std::to_string(100000000000 + i);
    held_out += IsHeldOutFeedback(id) ? 1 : 0;
    EXPECT_EQ(IsHeldOutFeedback(id), IsHeldOutFeedback(id));
    EXPECT_EQ(IsHeldOutFeedback(id), InSplit(id, Split::kDev));
  }
  EXPECT_GT(held_out, 2000 * 25 / 100);
  EXPECT_LT(held_out, 2000 * 35 / 100);
}

TEST(RetrainTest, ACandidateWithTheCurrentWeightsIsUnchanged) {
  const RetrainOptions options = SmallOptions();
  const auto current = TrainedOn(Base(), options);
  RetrainInputs inputs;
  inputs.base = Base();
  inputs.heldout = Base();

  const Result<RetrainResult> result = Retrain(inputs, *current, "registry", options);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->verdict, RetrainVerdict::kUnchanged);
  EXPECT_EQ(result->candidate.version, current->version());
  EXPECT_EQ(result->current.source, "registry");
}

TEST(RetrainTest, CountsKeepTheNewestCorrectionOfEachDecision) {
  const RetrainOptions options = SmallOptions();
  const auto current = TrainedOn(Base(), options);
  RetrainInputs inputs;
  inputs.base = Base();
  inputs.heldout = Base();
  inputs.feedback_skipped_without_text = 7;
  std::size_t expected_heldout = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string id = "decision-" + std::to_string(i);
    inputs.feedback.push_back({id, "reconcile ledger " + std::to_string(i), Level::kSimple});
    expected_heldout += IsHeldOutFeedback(id) ? 1 : 0;
  }
  inputs.feedback.push_back({"decision-3", "reconcile ledger 3", Level::kExpert});  // Newer.

  const Result<RetrainResult> result = Retrain(inputs, *current, "built-in", options);

  ASSERT_TRUE(result) << result.error().message;
  const RetrainCounts& counts = result->counts;
  EXPECT_EQ(counts.base, 10U);
  EXPECT_EQ(counts.feedback, 20U);
  EXPECT_EQ(counts.feedback_superseded, 1U);
  EXPECT_EQ(counts.feedback_heldout, expected_heldout);
  EXPECT_EQ(counts.feedback_train, 20U - expected_heldout);
  EXPECT_EQ(counts.feedback_skipped_without_text, 7);
  EXPECT_EQ(counts.heldout_files, 10U);
  EXPECT_EQ(counts.heldout, 10U + expected_heldout);
  EXPECT_EQ(result->current.heldout.overall.count, counts.heldout);
  EXPECT_EQ(result->candidate.heldout.overall.count, counts.heldout);
}

TEST(RetrainTest, TheVerdictFollowsTheRule) {
  const RetrainOptions options = SmallOptions();
  const auto current = TrainedOn(Base(), options);
  RetrainInputs inputs;
  inputs.base = Base();
  inputs.heldout = Base();
  for (int i = 0; i < 30; ++i) {
    inputs.feedback.push_back({"d-" + std::to_string(i), "hi again " + std::to_string(i),
                               i % 2 == 0 ? Level::kExpert : Level::kTrivial});
  }

  const Result<RetrainResult> result = Retrain(inputs, *current, "built-in", options);

  ASSERT_TRUE(result) << result.error().message;
  ASSERT_NE(result->verdict, RetrainVerdict::kUnchanged);
  const Metrics& candidate = result->candidate.heldout.overall;
  const Metrics& now = result->current.heldout.overall;
  const bool at_least_as_good =
      candidate.macro_f1 >= now.macro_f1 && candidate.accuracy >= now.accuracy;
  EXPECT_EQ(result->verdict, at_least_as_good ? RetrainVerdict::kPromote : RetrainVerdict::kReject);
}

TEST(RetrainTest, NoHeldOutRowsOrNoBaseRowsIsAnError) {
  const RetrainOptions options = SmallOptions();
  const auto current = TrainedOn(Base(), options);
  RetrainInputs no_heldout;
  no_heldout.base = Base();
  RetrainInputs no_base;
  no_base.heldout = Base();

  const Result<RetrainResult> without_heldout = Retrain(no_heldout, *current, "x", options);
  const Result<RetrainResult> without_base = Retrain(no_base, *current, "x", options);

  ASSERT_FALSE(without_heldout);
  EXPECT_EQ(without_heldout.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(without_base);
  EXPECT_EQ(without_base.error().code, ErrorCode::kInvalidArgument);
}

TEST(RetrainTest, ReportsStateTheCountsModelsAndVerdict) {
  const RetrainOptions options = SmallOptions();
  const auto current = TrainedOn(Base(), options);
  RetrainInputs inputs;
  inputs.base = Base();
  inputs.heldout = Base();
  inputs.feedback.push_back({"d-1", "reconcile the ledger", Level::kExpert});
  inputs.feedback_skipped_without_text = 2;
  const Result<RetrainResult> result = Retrain(inputs, *current, "built-in", options);
  ASSERT_TRUE(result) << result.error().message;

  const json::value report =
      json::parse(RetrainReportJson(*result, "2025-11-21T10:00:00Z", "active-version"));
  const std::string markdown =
      RetrainReportMarkdown(*result, "2025-11-21T10:00:00Z", "active-version");

  EXPECT_EQ(report.at("verdict").as_string(), RetrainVerdictName(result->verdict));
  EXPECT_EQ(report.at("rule").as_string(), kPromotionRule);
  EXPECT_EQ(report.at("active_after").as_string(), "active-version");
  EXPECT_EQ(report.at("rows").at("base").to_number<std::uint64_t>(), 10U);
  EXPECT_EQ(report.at("rows").at("feedback_skipped_without_text").as_int64(), 2);
  EXPECT_EQ(report.at("current").at("version").as_string(), current->version());
  EXPECT_EQ(report.at("candidate").at("version").as_string(), result->candidate.version);
  EXPECT_EQ(report.at("candidate").at("heldout").at("count").to_number<std::uint64_t>(),
            result->counts.heldout);
  EXPECT_NE(markdown.find(std::string(RetrainVerdictName(result->verdict))), std::string::npos);
  EXPECT_NE(markdown.find("| feedback skipped without stored text | 2 |"), std::string::npos);
  EXPECT_NE(markdown.find(current->version()), std::string::npos);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::routing::training
