#include "amaima/routing/features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <random>
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
  names.reserve(kFeatureCount);
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

// EstimateTokens() as documented, one run at a time (the implementation counts 64 bytes
// at a time with bit masks).
int ReferenceTokens(std::string_view text) {
  const auto kind = [](unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return 4;  // letters: 1 token per started 4
    }
    if (c >= '0' && c <= '9') {
      return 3;
    }
    if (c >= 0x80) {
      return 2;
    }
    const bool space = c == ' ' || (c >= '\t' && c <= '\r');
    return space ? 0 : 1;
  };
  int tokens = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const int per_token = kind(static_cast<unsigned char>(text[i]));
    std::size_t j = i + 1;
    while (per_token > 1 && j < text.size()
           && kind(static_cast<unsigned char>(text[j])) == per_token) {
      ++j;
    }
    if (per_token > 0) {
      tokens += static_cast<int>((j - i + per_token - 1) / per_token);
    }
    i = j;
  }
  return tokens;
}

TEST(FeaturesTest, EstimateTokensAgreesWithARunByRunCountAcrossBlocks) {
  std::mt19937 rng(11);
  const std::array<std::string, 15> pieces = {"a",
                                              "Zz",
                                              "abcdefghij",
                                              "7",
                                              "12345",
                                              " ",
                                              "\n\t",
                                              "\xc3\xa9",
                                              "\xe4\xb8\xad\xe6\x96\x87",
                                              "+",
                                              "{}",
                                              std::string(70, 'x'),
                                              std::string(130, '9'),
                                              std::string(65, '\xe4'),
                                              std::string(1, '\0')};
  for (int round = 0; round < 500; ++round) {
    std::string text;
    const int count = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int k = 0; k < count; ++k) {
      text += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
    }
    EXPECT_EQ(EstimateTokens(text), ReferenceTokens(text)) << text.size();
  }
}

TEST(FeaturesTest, CountsWordsOfTheWholeText) {
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += i % 7 == 0 ? "word\n\t " : "word ";
  }

  EXPECT_FLOAT_EQ(Value(Compute(text), FeatureId::kLengthWords), std::log1p(300.0F));
  EXPECT_FLOAT_EQ(Value(Compute(text), FeatureId::kLengthChars),
                  std::log1p(static_cast<float>(text.size())));
}

TEST(FeaturesTest, MatchesKeywordPairsAndFirstWordKeywords) {
  EXPECT_GT(Value(Compute("it must use at least two threads"), FeatureId::kConstraints), 0.0F);
  EXPECT_EQ(Value(Compute("Good morning!"), FeatureId::kGreeting), 1.0F);
  EXPECT_EQ(Value(Compute("It was a good morning"), FeatureId::kGreeting), 0.0F);
  EXPECT_EQ(Value(Compute("why is the sky blue"), FeatureId::kQuestionWhy), 1.0F);
  EXPECT_EQ(Value(Compute("tell me why the sky is blue"), FeatureId::kQuestionWhy), 0.0F);
  EXPECT_FLOAT_EQ(Value(Compute("What is 12 + 3456?"), FeatureId::kNumbers), std::log1p(2.0F));
}

void ExpectOnlyLengthsGrew(const FeatureValues& before, const FeatureValues& after) {
  for (int i = 0; i < kFeatureCount; ++i) {
    const auto id = static_cast<FeatureId>(i);
    const bool length = id == FeatureId::kLengthChars || id == FeatureId::kLengthWords
                        || id == FeatureId::kLengthTokens;
    EXPECT_EQ(Value(before, id) < Value(after, id), length) << FeatureName(id);
    EXPECT_EQ(Value(before, id) == Value(after, id), !length) << FeatureName(id);
  }
}

// A query longer than every window, and the same query with more text after it.
struct WindowCase {
  std::string head;
  std::string longer;
};

WindowCase MakeWindowCase() {
  WindowCase window_case;
  while (window_case.head.size() < kMaxAnalyzedBytes + 100) {
    window_case.head += "the quick brown fox jumps over the lazy dog ";
  }
  window_case.longer =
      window_case.head + " Prove that the theorem holds, step by step? $x^2$ 1. 2.";
  return window_case;
}

TEST(FeaturesTest, NgramsComeFromTheDocumentedWindows) {
  const WindowCase window_case = MakeWindowCase();
  auto short_analysis = std::make_unique<QueryAnalysis>();
  auto long_analysis = std::make_unique<QueryAnalysis>();
  AnalyzeQuery(window_case.head, NgramConfig{}, *short_analysis);
  AnalyzeQuery(window_case.longer, NgramConfig{}, *long_analysis);

  EXPECT_EQ(short_analysis->word_gram_count, long_analysis->word_gram_count);
  EXPECT_EQ(short_analysis->word_grams, long_analysis->word_grams);
  EXPECT_EQ(short_analysis->char_gram_count, long_analysis->char_gram_count);
  EXPECT_EQ(short_analysis->char_grams, long_analysis->char_grams);
  // Character n-grams: a 3- and a 4-gram per position of the first kCharGramBytes.
  EXPECT_EQ(short_analysis->char_gram_count, kMaxCharGrams - 1);
  EXPECT_GT(short_analysis->word_gram_count, 0U);
  EXPECT_LE(short_analysis->word_gram_count, kMaxWordGrams);
}

TEST(FeaturesTest, TextPastTheWindowsChangesOnlyTheLengthFeatures) {
  const WindowCase window_case = MakeWindowCase();

  ExpectOnlyLengthsGrew(Compute(window_case.head), Compute(window_case.longer));
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
