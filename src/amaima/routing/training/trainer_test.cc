#include "amaima/routing/training/trainer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/routing/training/dataset.h"

namespace amaima::routing::training {
namespace {

std::vector<LabelledQuery> SmallDataSet() {
  const std::vector<std::pair<std::string, Level>> texts = {
      {"hi", Level::kTrivial},
      {"hello there", Level::kTrivial},
      {"thanks!", Level::kTrivial},
      {"what is the capital of Spain?", Level::kSimple},
      {"convert 3 km to miles", Level::kSimple},
      {"explain how a hash table works", Level::kModerate},
      {"write a python function to sort a list of tuples by the second key", Level::kModerate},
      {"implement an LRU cache in C++ and analyze its complexity", Level::kComplex},
      {"derive the closed form of a geometric series and apply it", Level::kComplex},
      {"prove that there are infinitely many primes", Level::kExpert},
      {"design a byzantine fault tolerant consensus protocol and prove safety", Level::kExpert},
  };
  std::vector<LabelledQuery> rows;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    rows.push_back(LabelledQuery{"t:" + std::to_string(i), texts[i].first, texts[i].second,
                                 "GENERAL", "test"});
  }
  return rows;
}

TrainOptions SmallOptions() {
  TrainOptions options;
  options.hash_bits = 10;
  options.epochs = 5;
  return options;
}

TEST(TrainerTest, TrainingTwiceGivesByteIdenticalWeights) {
  const std::vector<LabelledQuery> rows = SmallDataSet();

  const Result<ModelWeights> first = Train(rows, SmallOptions());
  const Result<ModelWeights> second = Train(rows, SmallOptions());

  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(SerializeModel(*first), SerializeModel(*second));
}

TEST(TrainerTest, DifferentSeedsGiveDifferentWeights) {
  TrainOptions other = SmallOptions();
  other.seed = 7;

  const Result<ModelWeights> first = Train(SmallDataSet(), SmallOptions());
  const Result<ModelWeights> second = Train(SmallDataSet(), other);

  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(SerializeModel(*first), SerializeModel(*second));
}

TEST(TrainerTest, RejectsEmptyDataAndBadOptions) {
  TrainOptions bad = SmallOptions();
  bad.hash_bits = 40;

  EXPECT_FALSE(Train({}, SmallOptions()));
  EXPECT_FALSE(Train(SmallDataSet(), bad));
}

TEST(DatasetTest, SplitFollowsTheDataReadmeRule) {
  // int(sha256("split:math:test:idx0")[:12], 16) / 16**12 < 0.70 (the row is in train.jsonl).
  EXPECT_TRUE(InSplit("math:test:idx0", Split::kTrain));
  EXPECT_FALSE(InSplit("math:test:idx0", Split::kDev));
  EXPECT_TRUE(InSplit("anything", Split::kAll));
  EXPECT_TRUE(ParseSplit("dev"));
  EXPECT_FALSE(ParseSplit("test"));
}

TEST(DatasetTest, ReportsMissingFile) {
  const auto rows = ReadLabelledQueries("/nonexistent/rows.jsonl");

  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace amaima::routing::training
