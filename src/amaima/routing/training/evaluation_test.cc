#include "amaima/routing/training/evaluation.h"

#include <vector>

#include <gtest/gtest.h>

namespace amaima::routing::training {
namespace {

constexpr Level kT = Level::kTrivial;
constexpr Level kS = Level::kSimple;
constexpr Level kM = Level::kModerate;
constexpr Level kC = Level::kComplex;
constexpr Level kE = Level::kExpert;

TEST(EvaluationTest, PerfectPredictionsScoreOne) {
  const std::vector<Level> levels = {kT, kS, kM, kC, kE, kE};

  const Metrics metrics = ComputeMetrics(levels, levels);

  EXPECT_DOUBLE_EQ(metrics.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(metrics.macro_f1, 1.0);
  EXPECT_DOUBLE_EQ(metrics.within_one, 1.0);
  EXPECT_NEAR(metrics.spearman, 1.0, 1e-12);
  EXPECT_EQ(metrics.confusion[4][4], 2U);
}

TEST(EvaluationTest, ComputesKnownValues) {
  const std::vector<Level> truth = {kT, kS, kM, kC};
  const std::vector<Level> predicted = {kT, kM, kM, kT};

  const Metrics metrics = ComputeMetrics(truth, predicted);

  EXPECT_DOUBLE_EQ(metrics.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(metrics.within_one, 0.75);
  // F1: TRIVIAL 2/3, SIMPLE 0, MODERATE 2/3, COMPLEX 0 -> mean 1/3.
  EXPECT_NEAR(metrics.macro_f1, 1.0 / 3.0, 1e-12);
  EXPECT_EQ(metrics.confusion[3][0], 1U);
  EXPECT_EQ(metrics.count, 4U);
}

TEST(EvaluationTest, SpearmanAveragesTiesAndHandlesReversal) {
  const std::vector<Level> truth = {kT, kS, kM, kC, kE};
  const std::vector<Level> reversed = {kE, kC, kM, kS, kT};
  const std::vector<Level> constant = {kM, kM, kM, kM, kM};

  EXPECT_NEAR(ComputeMetrics(truth, reversed).spearman, -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(ComputeMetrics(truth, constant).spearman, 0.0);
  EXPECT_DOUBLE_EQ(ComputeMetrics({}, {}).accuracy, 0.0);
}

TEST(EvaluationTest, EvaluateSplitsByFamily) {
  const std::vector<LabelledQuery> rows = {
      {"a", "x", kT, "MATH", ""}, {"b", "y", kS, "MMLU", ""}, {"c", "z", kT, "MATH", ""}};

  const EvaluationReport report = Evaluate(rows, [](std::string_view) { return Level::kTrivial; });

  EXPECT_EQ(report.overall.count, 3U);
  ASSERT_EQ(report.per_family.size(), 2U);
  EXPECT_EQ(report.per_family[0].first, "MATH");
  EXPECT_DOUBLE_EQ(report.per_family[0].second.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(report.per_family[1].second.accuracy, 0.0);
  EXPECT_NE(FormatComparison(report, report).find("MMLU"), std::string::npos);
  EXPECT_NE(ComparisonToJson(report, report).find("\"baseline\""), std::string::npos);
}

TEST(EvaluationTest, HeuristicBaselineOrdersObviousCases) {
  EXPECT_EQ(HeuristicLevel("hi"), kT);
  EXPECT_LE(HeuristicLevel("what is the capital of France?"), kS);
  EXPECT_GE(HeuristicLevel("Prove that the fundamental group of the circle is the integers, "
                           "and design a formal argument using covering spaces."),
            kC);
}

}  // namespace
}  // namespace amaima::routing::training
