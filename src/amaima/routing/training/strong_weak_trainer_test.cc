#include "amaima/routing/training/strong_weak_trainer.h"

#include <gtest/gtest.h>

#include "amaima/routing/strong_weak_model.h"

namespace amaima::routing::training {
namespace {

RoutingItem Item(std::string prompt, double strong, double weak) {
  RoutingItem item;
  item.id = prompt;
  item.benchmark = "test";
  item.prompt = std::move(prompt);
  item.strong_quality = strong;
  item.weak_quality = weak;
  return item;
}

// The weak model fails questions about tensors; both models answer questions about
// fruit.
std::vector<RoutingItem> Items() {
  std::vector<RoutingItem> items;
  for (int i = 0; i < 40; ++i) {
    items.push_back(Item(
        "Compute the tensor contraction of rank " + std::to_string(i) + " manifolds with curvature",
        1, 0));
    items.push_back(Item("What colour is a ripe banana number " + std::to_string(i), 1, 1));
  }
  return items;
}

TEST(StrongWeakTrainerTest, TargetsCountATieAsOneHalf) {
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 1, 0)), 1.0);
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 0, 1)), 0.0);
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 1, 1)), 0.5);
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 0, 0)), 0.5);
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 10, 1)), 1.0);
  EXPECT_DOUBLE_EQ(StrongWinTarget(Item("q", 7, 7)), 0.5);
  EXPECT_NEAR(StrongWinTarget(Item("q", 9, 7.2)), 0.6, 1e-12);
}

TEST(StrongWeakTrainerTest, LearnsWhichQueriesNeedTheStrongModel) {
  StrongWeakTrainOptions options;
  options.hash_bits = 12;
  Result<StrongWeakWeights> weights = TrainStrongWeak(Items(), options);
  ASSERT_TRUE(weights.has_value());
  const auto model = StrongWeakModel::FromWeights(std::move(*weights));
  const double hard = model->Predict("Compute the tensor contraction for these manifolds");
  const double easy = model->Predict("What colour is a banana");
  EXPECT_GT(hard, 0.75);
  EXPECT_LT(easy, 0.6);
  EXPECT_GT(hard, easy);
}

TEST(StrongWeakTrainerTest, IsDeterministicAndRoundTripsThroughItsFile) {
  StrongWeakTrainOptions options;
  options.hash_bits = 10;
  Result<StrongWeakWeights> a = TrainStrongWeak(Items(), options);
  Result<StrongWeakWeights> b = TrainStrongWeak(Items(), options);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  const std::string bytes = SerializeStrongWeakWeights(*a);
  EXPECT_EQ(bytes, SerializeStrongWeakWeights(*b));

  Result<std::unique_ptr<StrongWeakModel>> loaded = StrongWeakModel::FromBytes(bytes);
  ASSERT_TRUE(loaded.has_value());
  const auto direct = StrongWeakModel::FromWeights(std::move(*a));
  EXPECT_EQ((*loaded)->version(), direct->version());
  EXPECT_EQ((*loaded)->Predict("tensor curvature"), direct->Predict("tensor curvature"));
  EXPECT_EQ((*loaded)->version().rfind("strong-weak-linear-1+", 0), 0U);
}

TEST(StrongWeakTrainerTest, ACorruptedOrForeignFileIsRejected) {
  StrongWeakTrainOptions options;
  options.hash_bits = 8;
  Result<StrongWeakWeights> weights = TrainStrongWeak(Items(), options);
  ASSERT_TRUE(weights.has_value());
  std::string bytes = SerializeStrongWeakWeights(*weights);
  std::string flipped = bytes;
  flipped[flipped.size() - 3] ^= 0x40;
  Result<StrongWeakWeights> corrupted = ParseStrongWeakWeights(flipped);
  ASSERT_FALSE(corrupted.has_value());
  EXPECT_NE(corrupted.error().message.find("SHA-256"), std::string::npos);
  std::string foreign = bytes;
  foreign[3] = 'C';  // "AMRC": a complexity model
  EXPECT_FALSE(ParseStrongWeakWeights(foreign).has_value());
  EXPECT_FALSE(ParseStrongWeakWeights(bytes.substr(0, bytes.size() - 4)).has_value());
}

TEST(StrongWeakTrainerTest, RejectsNoItemsAndBadOptions) {
  EXPECT_FALSE(TrainStrongWeak({}, StrongWeakTrainOptions{}).has_value());
  StrongWeakTrainOptions options;
  options.epochs = 0;
  EXPECT_FALSE(TrainStrongWeak(Items(), options).has_value());
}

}  // namespace
}  // namespace amaima::routing::training
