#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amaima::routing {

// A named signal extracted from a query ("length_tokens", "math_symbols", ...)
// and its value. Only signals that fired (non-zero) are reported.
struct NamedFeature {
  std::string name{};
  double value{0.0};
};

// The named features, in a fixed order that the weights file depends on: append new
// features at the end and bump kFeatureSetVersion.
enum class FeatureId : std::uint8_t {
  kLengthChars,       // log1p(characters)
  kLengthWords,       // log1p(words)
  kLengthTokens,      // log1p(EstimateTokens())
  kShortQuery,        // 1 when at most 4 words
  kCodeMarkers,       // log1p(code syntax and keywords)
  kCodeRequest,       // log1p("write a function", "implement", "script", ...)
  kMathSymbols,       // log1p(= + * / ^ < > characters)
  kLatex,             // log1p($ and \commands)
  kNumbers,           // log1p(digit runs)
  kReasoningMarkers,  // log1p("why", "explain", "step by step", "derive", ...)
  kProofRequest,      // log1p("prove", "proof", "show that", ...)
  kConstraints,       // log1p("must", "at least", "without", ...)
  kMultiPart,         // 1 when several numbered items or several questions
  kNumberedItems,     // log1p(lines starting "1." / "2)" / "- ")
  kQuestionMarks,     // log1p('?')
  kChoices,           // log1p(lines starting "A." ... "D.": multiple choice)
  kDomainTerms,       // log1p(technical vocabulary)
  kExpertTerms,       // log1p(research / formal / safety-critical vocabulary)
  kDesignRequest,     // log1p("design", "architecture", "scalable", ...)
  kGreeting,          // 1 when it opens with a greeting or thanks
  kLookup,            // 1 for a short "what is / who is / capital of" question
  kQuestionWh,        // first word what/who/when/where/which
  kQuestionHow,       // first word how
  kQuestionWhy,       // first word why
  kQuestionYesNo,     // first word is/are/can/does/...
  kImperative,        // first word a task verb (write, explain, list, ...)
};

inline constexpr int kFeatureCount = static_cast<int>(FeatureId::kImperative) + 1;
// Bumped whenever feature extraction changes meaning; stored in the weights file.
// 2: the analysis windows below (1 analysed 2048 bytes for everything) and new word and
// character n-gram hashes (8-byte chunks instead of FNV-1a over each byte).
inline constexpr std::uint32_t kFeatureSetVersion = 2;

// Returns the stable snake_case name of `id` ("length_tokens"); at most 15 characters.
std::string_view FeatureName(FeatureId id);

// Values of all named features, indexed by FeatureId; 0 means "did not fire".
using FeatureValues = std::array<float, kFeatureCount>;

// How much of a query is analysed. The length features always use the whole text; the
// other named features (keywords, symbols, line markers) use the first kMaxAnalyzedBytes;
// word n-grams come from the tokens that start in the first kWordGramBytes, character
// n-grams from the first kCharGramBytes. The windows bound the cost of the analysis and
// the number of model inputs (and so of every linear model over them) on long prompts; on
// the complexity dev set they cost no measurable accuracy (docs/performance.md).
inline constexpr std::size_t kMaxAnalyzedBytes = 512;
inline constexpr std::size_t kWordGramBytes = 512;
inline constexpr std::size_t kCharGramBytes = 256;
// Capacities of the n-gram buffers below: a unigram and a bigram per token, a 3- and a
// 4-gram per character (grams past them are dropped; only a configuration asking for
// more than two character n-gram lengths reaches the second).
inline constexpr std::size_t kMaxWordGrams = 2 * kWordGramBytes;
inline constexpr std::size_t kMaxCharGrams = 2 * kCharGramBytes;

// How n-grams are formed. Stored in the weights file so that a model is always applied
// with the configuration it was trained with.
struct NgramConfig {
  bool word_bigrams{true};
  std::uint32_t char_ngram_min{3};  // 0 disables character n-grams
  std::uint32_t char_ngram_max{4};
};

// Everything the classifier needs from one query, in fixed-size buffers so that analysis
// allocates nothing. The hashes are 32-bit; a model masks them to its bucket count.
struct QueryAnalysis {
  FeatureValues features{};
  std::array<std::uint32_t, kMaxWordGrams> word_grams{};  // unigrams and bigrams
  std::size_t word_gram_count{0};
  std::array<std::uint32_t, kMaxCharGrams> char_grams{};
  std::size_t char_gram_count{0};
};

// Fills `analysis` (overwriting it) for `text`. Deterministic and allocation-free; one
// pass over the first kMaxAnalyzedBytes plus a vectorised count over the whole text.
void AnalyzeQuery(std::string_view text, const NgramConfig& config, QueryAnalysis& analysis);

// Fills `values` with the named features of `text`. Allocation-free.
void ComputeFeatures(std::string_view text, FeatureValues& values);

// Returns the named features of `values` that fired, in FeatureId order.
std::vector<NamedFeature> FiredFeatures(const FeatureValues& values);

// Returns the named features of `text` that fired.
std::vector<NamedFeature> ExtractFeatures(std::string_view text);

// Estimates how many tokens a BPE tokenizer (cl100k-like) produces for `text`, without a
// vocabulary: each run of ASCII letters counts 1 token per started 4 characters (common
// words are one token, long words split), each run of digits 1 token per started 3
// digits, each other visible ASCII character (punctuation, operators) 1 token, and
// non-ASCII bytes 1 token per 2 bytes (UTF-8 letters are 2-3 bytes and often a token
// each). Whitespace is free (it merges into the next token). Within about ±20 % of
// tiktoken on English prose; over-estimates slightly on code and LaTeX.
int EstimateTokens(std::string_view text);

}  // namespace amaima::routing
