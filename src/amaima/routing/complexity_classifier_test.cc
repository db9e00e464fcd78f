#include "amaima/routing/complexity_classifier.h"

#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>

#include <gtest/gtest.h>

#include "amaima/routing/builtin_weights.h"
#include "amaima/routing/complexity_model.h"

namespace amaima::routing {
namespace {

std::unique_ptr<ComplexityClassifier> BuiltIn() {
  Result<std::unique_ptr<ComplexityClassifier>> classifier = ComplexityClassifier::LoadBuiltIn();
  EXPECT_TRUE(classifier) << classifier.error().message;
  return classifier ? std::move(*classifier) : nullptr;
}

TEST(ComplexityClassifierTest, BuiltInModelLoadsAndHasAVersion) {
  const auto classifier = BuiltIn();
  ASSERT_NE(classifier, nullptr);

  EXPECT_EQ(classifier->version().rfind("complexity-linear-1+", 0), 0U);
  EXPECT_EQ(classifier->version().size(), std::string("complexity-linear-1+").size() + 12);
  EXPECT_LT(BuiltInWeightsBytes().size(), 2U * 1024 * 1024);
}

TEST(ComplexityClassifierTest, ClassifiesObviousCasesSensibly) {
  const auto classifier = BuiltIn();
  ASSERT_NE(classifier, nullptr);

  EXPECT_EQ(classifier->Classify("hi there").level, Level::kTrivial);
  EXPECT_EQ(classifier->Classify("hello").level, Level::kTrivial);
  EXPECT_LE(classifier->Classify("what's the capital of France?").level, Level::kSimple);
  const Level proof =
      classifier
          ->Classify(
              "Prove that every continuous function on a closed interval is uniformly continuous.")
          .level;
  EXPECT_GE(proof, Level::kComplex);
  const Level design =
      classifier->Classify("Design a distributed consensus protocol and prove its safety.").level;
  EXPECT_GE(design, Level::kComplex);
  const ComplexityResult code =
      classifier->Classify("write a python function that reverses a linked list");
  EXPECT_GE(code.level, Level::kSimple);
  EXPECT_LE(code.level, Level::kComplex);
}

TEST(ComplexityClassifierTest, ResultIsAProbabilityDistributionAndDeterministic) {
  const auto classifier = BuiltIn();
  ASSERT_NE(classifier, nullptr);

  const ComplexityResult first = classifier->Classify("Explain how TCP congestion control works.");
  const ComplexityResult second = classifier->Classify("Explain how TCP congestion control works.");

  const double total = std::accumulate(first.probabilities.begin(), first.probabilities.end(), 0.0);
  EXPECT_NEAR(total, 1.0, 1e-9);
  EXPECT_GE(first.score, 0.0);
  EXPECT_LE(first.score, 1.0);
  EXPECT_EQ(first.probabilities, second.probabilities);
  EXPECT_EQ(first.level, second.level);
  EXPECT_FALSE(first.features.empty());
}

TEST(ComplexityClassifierTest, HandlesEmptyAndHugeInput) {
  const auto classifier = BuiltIn();
  ASSERT_NE(classifier, nullptr);

  const ComplexityResult empty = classifier->Classify("");
  const ComplexityResult huge = classifier->Classify(std::string(1 << 20, 'x'));

  EXPECT_NEAR(std::accumulate(empty.probabilities.begin(), empty.probabilities.end(), 0.0), 1.0,
              1e-9);
  EXPECT_NEAR(std::accumulate(huge.probabilities.begin(), huge.probabilities.end(), 0.0), 1.0,
              1e-9);
}

TEST(ComplexityClassifierTest, RejectsTruncatedAndCorruptedWeights) {
  const std::string bytes(BuiltInWeightsBytes());
  ASSERT_GT(bytes.size(), kModelHeaderBytes);
  std::string corrupted = bytes;
  corrupted[corrupted.size() / 2] = static_cast<char>(corrupted[corrupted.size() / 2] ^ 0x5a);
  std::string bad_version = bytes;
  bad_version[4] = 99;

  const auto truncated = ComplexityClassifier::FromBytes(bytes.substr(0, bytes.size() - 1));
  const auto header_only = ComplexityClassifier::FromBytes(bytes.substr(0, 20));
  const auto flipped = ComplexityClassifier::FromBytes(corrupted);
  const auto version = ComplexityClassifier::FromBytes(bad_version);
  const auto garbage = ComplexityClassifier::FromBytes("not a weights file at all");

  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);
  ASSERT_FALSE(header_only);
  ASSERT_FALSE(flipped);
  EXPECT_NE(flipped.error().message.find("SHA-256"), std::string::npos);
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().message.find("format version"), std::string::npos);
  EXPECT_FALSE(garbage);
}

TEST(ComplexityClassifierTest, LoadsFromFileAndReportsMissingFile) {
  const std::string path = ::testing::TempDir() + "complexity_classifier_test.amr";
  {
    std::ofstream file(path, std::ios::binary);
    const std::string_view bytes = BuiltInWeightsBytes();
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  const auto loaded = ComplexityClassifier::Load(path);
  const auto missing = ComplexityClassifier::Load(path + ".missing");
  std::remove(path.c_str());

  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->version(), BuiltIn()->version());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
}

TEST(ComplexityModelTest, SerializeParseRoundTrips) {
  ModelWeights model = MakeEmptyModel(NgramConfig{}, 8);
  model.bias = {0.5F, -1.0F, 0.0F, 2.0F, 3.0F};
  model.weights[7] = 1.25F;

  const Result<ModelWeights> parsed = ParseModel(SerializeModel(model));

  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->bias, model.bias);
  EXPECT_EQ(parsed->weights, model.weights);
  EXPECT_EQ(parsed->hash_bits, 8U);
  EXPECT_EQ(ModelHashHex(*parsed), ModelHashHex(model));
}

}  // namespace
}  // namespace amaima::routing
