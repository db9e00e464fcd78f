#include "amaima/routing/features.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace amaima::routing {
namespace {

float Value(const FeatureValues& values, FeatureId id) {
  return values[static_cast<std::size_t>(id)];
}

FeatureValues Compute(std::string_view text) {
  FeatureValues values{};
  ComputeFeatures(text, values);
  return values;
}

bool Fired(const std::vector<NamedFeature>& features, std::string_view name) {
  return std::any_of(features.begin(), features.end(),
                     [&](const NamedFeature& feature) { return feature.name == name; });
}

TEST(FeaturesTest, GreetingFiresOnShortGreetingsOnly) {
  const FeatureValues greeting = Compute("Hi there!");
  const FeatureValues long_text = Compute(
      "Hi, please prove that the square root of two is irrational and explain each step "
      "of the argument in detail");

  EXPECT_EQ(Value(greeting, FeatureId::kGreeting), 1.0F);
  EXPECT_EQ(Value(greeting, FeatureId::kShortQuery), 1.0F);
  EXPECT_EQ(Value(long_text, FeatureId::kGreeting), 0.0F);
}

TEST(FeaturesTest, DetectsReasoningProofAndConstraints) {
  const FeatureValues values =
      Compute("Prove step by step why the algorithm must terminate without using induction.");

  EXPECT_GT(Value(values, FeatureId::kProofRequest), 0.0F);
  EXPECT_GT(Value(values, FeatureId::kReasoningMarkers), 0.0F);
  EXPECT_GT(Value(values, FeatureId::kConstraints), 0.0F);
  EXPECT_GT(Value(values, FeatureId::kDomainTerms), 0.0F);
  EXPECT_EQ(Value(values, FeatureId::kImperative), 1.0F);
}

TEST(FeaturesTest, DetectsCodeAndMath) {
  const FeatureValues code = Compute("Write a python function: def f(x): return x; {}");
  const FeatureValues math = Compute("Find $x$ such that $\\frac{x^2}{3} = 12$.");

  EXPECT_GT(Value(code, FeatureId::kCodeMarkers), 0.0F);
  EXPECT_GT(Value(code, FeatureId::kCodeRequest), 0.0F);
  EXPECT_GT(Value(math, FeatureId::kLatex), 0.0F);
  EXPECT_GT(Value(math, FeatureId::kMathSymbols), 0.0F);
  EXPECT_EQ(Value(math, FeatureId::kCodeMarkers), 0.0F);  // LaTeX braces are not code
}

TEST(FeaturesTest, DetectsMultiPartAndChoices) {
  const FeatureValues values =
      Compute("Which is larger?\nA. 3\nB. 5\nC. 7\nD. 9\n1. First part?\n2. Second part?");

  EXPECT_EQ(Value(values, FeatureId::kMultiPart), 1.0F);
  EXPECT_GT(Value(values, FeatureId::kChoices), 0.0F);
  EXPECT_GT(Value(values, FeatureId::kNumberedItems), 0.0F);
  EXPECT_EQ(Value(values, FeatureId::kQuestionWh), 1.0F);
}

TEST(FeaturesTest, ExtractFeaturesReportsOnlyFiredSignals) {
  const std::vector<NamedFeature> features = ExtractFeatures("hello");

  EXPECT_TRUE(Fired(features, "greeting"));
  EXPECT_TRUE(Fired(features, "length_chars"));
  EXPECT_FALSE(Fired(features, "proof_request"));
  for (const NamedFeature& feature : features) {
    EXPECT_NE(feature.value, 0.0);
    EXPECT_LE(feature.name.size(), 15U);
  }
}

TEST(FeaturesTest, FeatureNamesAreUniqueAndShort) {
  std::vector<std::string_view> names;
  for (int i = 0; i < kFeatureCount; ++i) {
    names.push_back(FeatureName(static_cast<FeatureId>(i)));
  }
  std::sort(names.begin(), names.end());

  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(FeaturesTest, EstimateTokensFollowsTheDocumentedHeuristic) {
  EXPECT_EQ(EstimateTokens(""), 0);
  EXPECT_EQ(EstimateTokens("hi"), 1);
  EXPECT_EQ(EstimateTokens("hello world"), 4);  // 5 letters -> 2 tokens each
  EXPECT_EQ(EstimateTokens("x = 12345;"), 5);   // x, =, 123, 45, ;
  EXPECT_EQ(EstimateTokens("   \n\t"), 0);
}

TEST(FeaturesTest, AnalyzeQueryIsDeterministicAndBounded) {
  const std::string long_text(10000, 'a');
  auto first = std::make_unique<QueryAnalysis>();
  auto second = std::make_unique<QueryAnalysis>();

  AnalyzeQuery("What is 2+2?", NgramConfig{}, *first);
  AnalyzeQuery("What is 2+2?", NgramConfig{}, *second);
  auto bounded = std::make_unique<QueryAnalysis>();
  AnalyzeQuery(long_text, NgramConfig{}, *bounded);

  EXPECT_EQ(first->word_grams, second->word_grams);
  EXPECT_EQ(first->char_grams, second->char_grams);
  EXPECT_GT(first->word_gram_count, 0U);
  EXPECT_LE(bounded->char_gram_count, kMaxCharGrams);
  EXPECT_LE(bounded->word_gram_count, kMaxWordGrams);
}

}  // namespace
}  // namespace amaima::routing
