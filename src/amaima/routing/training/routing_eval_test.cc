#include "amaima/routing/training/routing_eval.h"

#include <gtest/gtest.h>

#include "amaima/routing/training/routing_data.h"

namespace amaima::routing::training {
namespace {

// Four questions; the strong model gains on the two the router scores highest.
TEST(RoutingEvalTest, PerfectRankingRecoversTheGapWithHalfTheStrongCalls) {
  const std::vector<double> scores = {0.9, 0.8, 0.2, 0.1};
  const std::vector<double> strong = {1, 1, 1, 0};
  const std::vector<double> weak = {0, 0, 1, 0};
  const RoutingMetrics m = EvaluateRouting(scores, strong, weak, 4);
  EXPECT_DOUBLE_EQ(m.strong_quality, 0.75);
  EXPECT_DOUBLE_EQ(m.weak_quality, 0.25);
  // Edges 0.1, 0.175, 0.5, 0.825, 0.9 (last uses >): shares 1, .75, .5, .25, 0.
  ASSERT_EQ(m.curve.size(), 5U);
  EXPECT_DOUBLE_EQ(m.curve.front().strong_share, 0.0);
  EXPECT_DOUBLE_EQ(m.curve.front().quality, 0.25);
  EXPECT_DOUBLE_EQ(m.curve[2].strong_share, 0.5);
  EXPECT_DOUBLE_EQ(m.curve[2].quality, 0.75);
  // Target 0.95 * 0.75 = 0.7125 lies between (0.25, 0.5) and (0.5, 0.75).
  EXPECT_NEAR(m.share_for_95, 0.25 + 0.25 * (0.7125 - 0.5) / 0.25, 1e-12);
  EXPECT_NEAR(m.random_share_for_95, (0.7125 - 0.25) / 0.5, 1e-12);
  EXPECT_NEAR(m.cpt50, 0.25, 1e-12);
  // Area: 0.25*(.25+.5)/2 + 0.25*(.5+.75)/2 + 0.5*0.75 = 0.625; APGR (0.625-0.25)/0.5.
  EXPECT_NEAR(m.apgr, 0.75, 1e-12);
}

TEST(RoutingEvalTest, ConstantScoresGiveNoBetterThanRandom) {
  const std::vector<double> scores(6, 0.5);
  const std::vector<double> strong = {1, 1, 1, 1, 0, 1};
  const std::vector<double> weak = {0, 1, 0, 1, 0, 1};
  const RoutingMetrics m = EvaluateRouting(scores, strong, weak, 10);
  // All edges equal: >= sends everything strong, the last edge (>) nothing.
  EXPECT_DOUBLE_EQ(m.curve.front().strong_share, 0.0);
  EXPECT_DOUBLE_EQ(m.curve.back().strong_share, 1.0);
  EXPECT_NEAR(m.apgr, 0.5, 1e-12);
}

TEST(RoutingEvalTest, ThresholdForShareIsTheUpperQuantile) {
  const std::vector<double> scores = {0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_DOUBLE_EQ(ThresholdForShare(scores, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(ThresholdForShare(scores, 1.0), 0.1);
  EXPECT_NEAR(ThresholdForShare(scores, 0.5), 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(ThresholdForShare({}, 0.3), 0.5);
}

TEST(RoutingDataTest, OverlapKeyIgnoresCaseSpacingPunctuationAndTheAnswerCue) {
  EXPECT_EQ(OverlapKey("What is 2+2?\nA. 3\nB. 4\nAnswer:"), "what is 2 2 a 3 b 4");
  EXPECT_EQ(OverlapKey("what  is 2 + 2 ?  A) 3 B) 4"), "what is 2 2 a 3 b 4");
  EXPECT_EQ(OverlapKey("Give the answer"), "give the");
  EXPECT_EQ(OverlapKey("answer"), "answer");
}

TEST(RoutingDataTest, TheSplitIsByTheParityOfTheFirstHashByte) {
  RoutingItem item;
  item.benchmark = "mmlu";
  int train = 0;
  for (int i = 0; i < 400; ++i) {
    item.id = "mmlu:x:" + std::to_string(i);
    train += IsRoutingTrainItem(item) ? 1 : 0;
  }
  EXPECT_GT(train, 150);
  EXPECT_LT(train, 250);
  item.benchmark = "mtbench";
  for (int i = 0; i < 20; ++i) {
    item.id = "mtbench:" + std::to_string(i);
    EXPECT_FALSE(IsRoutingTrainItem(item));
  }
}

}  // namespace
}  // namespace amaima::routing::training
