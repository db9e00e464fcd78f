#include "amaima/routing/features.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>

namespace amaima::routing {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;
// Distinct seeds keep word, bigram and character n-gram hashes apart.
constexpr std::uint64_t kBigramSeed = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kCharSeed = 0xc2b2ae3d27d4eb4fULL;

constexpr std::uint64_t HashWord(std::string_view word) {
  std::uint64_t hash = kFnvOffset;
  for (const char c : word) {
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  return hash;
}

constexpr std::uint64_t CombineHashes(std::uint64_t first, std::uint64_t second) {
  return (first * kBigramSeed) ^ (second + 0x632be59bd9b4e019ULL + (first << 6) + (first >> 2));
}

// MurmurHash3's 64-bit finaliser: spreads FNV's weak low bits before masking.
constexpr std::uint32_t Finalize(std::uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return static_cast<std::uint32_t>(hash);
}

// A keyword counts towards its feature wherever it appears, or, when `first_word` is set,
// only as the query's first word (or first two words).
struct KeywordSpec {
  std::string_view text{};
  FeatureId id{FeatureId::kLengthChars};
  bool first_word{false};
};

using F = FeatureId;
#include "amaima/routing/feature_keywords.inc"

struct KeywordEntry {
  std::uint64_t hash{0};
  FeatureId id{FeatureId::kLengthChars};
  bool first_word{false};
};

// One- and two-word keywords hash like the words (and word pairs) of a query.
constexpr std::uint64_t KeywordHash(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    return HashWord(text);
  }
  return CombineHashes(HashWord(text.substr(0, space)), HashWord(text.substr(space + 1)));
}

constexpr auto BuildKeywordTable() {
  std::array<KeywordEntry, std::size(kKeywords)> table{};
  for (std::size_t i = 0; i < table.size(); ++i) {
    table[i] =
        KeywordEntry{KeywordHash(kKeywords[i].text), kKeywords[i].id, kKeywords[i].first_word};
  }
  std::sort(table.begin(), table.end(),
            [](const KeywordEntry& a, const KeywordEntry& b) { return a.hash < b.hash; });
  return table;
}

constexpr auto kKeywordTable = BuildKeywordTable();

constexpr std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "length_chars",  "length_words", "length_tokens", "short_query",    "code_markers",
    "code_request",  "math_symbols", "latex",         "numbers",        "reasoning",
    "proof_request", "constraints",  "multi_part",    "numbered_items", "question_marks",
    "choices",       "domain_terms", "expert_terms",  "design_request", "greeting",
    "lookup",        "question_wh",  "question_how",  "question_why",   "question_yesno",
    "imperative"};

constexpr bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

constexpr bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

constexpr unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

float Log1p(float count) {
  return std::log1p(count);
}

// Counts that become features after the scan.
struct Counts {
  std::array<int, kFeatureCount> keyword{};
  int math_symbols{0};
  int latex{0};
  int braces{0};
  int code_syntax{0};
  int numbers{0};
  int question_marks{0};
  int numbered_items{0};
  int choices{0};
  int words{0};
};

// Counts line-start markers: "1." / "2)" / "- " items and "A." / "(B)" choices.
void ScanLineStarts(std::string_view text, Counts& counts) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) {
      ++j;
    }
    const std::string_view rest = text.substr(j, 4);
    if (rest.size() >= 2) {
      const char c0 = rest[0];
      const char c1 = rest[1];
      if ((c0 >= '0' && c0 <= '9') && (c1 == '.' || c1 == ')')
          && (rest.size() < 3 || rest[2] == ' ')) {
        ++counts.numbered_items;
      } else if ((c0 == '-' || c0 == '*') && c1 == ' ') {
        ++counts.numbered_items;
      } else if ((c0 >= 'A' && c0 <= 'E') && (c1 == '.' || c1 == ')')) {
        ++counts.choices;
      } else if (c0 == '(' && rest.size() >= 3 && rest[1] >= 'A' && rest[1] <= 'E'
                 && rest[2] == ')') {
        ++counts.choices;
      }
    }
    const std::size_t newline = text.find('\n', j);
    i = newline == std::string_view::npos ? text.size() : newline + 1;
  }
}

void CountKeyword(std::uint64_t hash, bool is_first, Counts& counts) {
  const auto* it = std::lower_bound(
      kKeywordTable.begin(), kKeywordTable.end(), hash,
      [](const KeywordEntry& entry, std::uint64_t value) { return entry.hash < value; });
  for (; it != kKeywordTable.end() && it->hash == hash; ++it) {
    if (!it->first_word || is_first) {
      ++counts.keyword[static_cast<std::size_t>(it->id)];
    }
  }
}

// Counts whitespace-separated words of the whole text.
int CountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = IsSpace(static_cast<unsigned char>(c));
    words += (!space && !in_word) ? 1 : 0;
    in_word = !space;
  }
  return words;
}

void SetFeature(FeatureValues& values, FeatureId id, float value) {
  values[static_cast<std::size_t>(id)] = value;
}

float KeywordCount(const Counts& counts, FeatureId id) {
  return static_cast<float>(counts.keyword[static_cast<std::size_t>(id)]);
}

void FinishFeatures(std::string_view text, const Counts& counts, FeatureValues& values) {
  const int words = CountWords(text);
  values.fill(0.0F);
  SetFeature(values, F::kLengthChars, Log1p(static_cast<float>(text.size())));
  SetFeature(values, F::kLengthWords, Log1p(static_cast<float>(words)));
  SetFeature(values, F::kLengthTokens, Log1p(static_cast<float>(EstimateTokens(text))));
  SetFeature(values, F::kShortQuery, words > 0 && words <= 4 ? 1.0F : 0.0F);
  const int braces = counts.latex == 0 ? counts.braces : 0;  // LaTeX braces are not code
  SetFeature(values, F::kCodeMarkers,
             Log1p(KeywordCount(counts, F::kCodeMarkers)
                   + static_cast<float>(counts.code_syntax + braces)));
  for (const FeatureId id :
       {F::kCodeRequest, F::kReasoningMarkers, F::kProofRequest, F::kConstraints, F::kDomainTerms,
        F::kExpertTerms, F::kDesignRequest}) {
    SetFeature(values, id, Log1p(KeywordCount(counts, id)));
  }
  SetFeature(values, F::kMathSymbols, Log1p(static_cast<float>(counts.math_symbols)));
  SetFeature(values, F::kLatex, Log1p(static_cast<float>(counts.latex)));
  SetFeature(values, F::kNumbers, Log1p(static_cast<float>(counts.numbers)));
  SetFeature(values, F::kNumberedItems, Log1p(static_cast<float>(counts.numbered_items)));
  SetFeature(values, F::kQuestionMarks, Log1p(static_cast<float>(counts.question_marks)));
  SetFeature(values, F::kChoices, Log1p(static_cast<float>(counts.choices)));
  SetFeature(values, F::kMultiPart,
             counts.numbered_items >= 2 || counts.question_marks >= 2 ? 1.0F : 0.0F);
  const bool short_text = words <= 8;
  SetFeature(values, F::kGreeting,
             short_text && KeywordCount(counts, F::kGreeting) > 0 ? 1.0F : 0.0F);
  const bool wh = KeywordCount(counts, F::kQuestionWh) > 0;
  SetFeature(values, F::kQuestionWh, wh ? 1.0F : 0.0F);
  SetFeature(values, F::kLookup, wh && words <= 10 ? 1.0F : 0.0F);
  for (const FeatureId id : {F::kQuestionHow, F::kQuestionWhy, F::kQuestionYesNo, F::kImperative}) {
    SetFeature(values, id, KeywordCount(counts, id) > 0 ? 1.0F : 0.0F);
  }
}

// The single pass behind AnalyzeQuery() and ComputeFeatures(). `analysis` may be null
// when only the named features are wanted.
void Scan(std::string_view text, const NgramConfig* config, QueryAnalysis* analysis,
          FeatureValues& values) {
  const std::string_view head = text.substr(0, kMaxAnalyzedBytes);
  Counts counts{};
  ScanLineStarts(head, counts);

  // Lower-cased, whitespace-collapsed copy for character n-grams (digits fold to '0').
  std::array<unsigned char, kMaxAnalyzedBytes + 2> normalized{};
  std::size_t normalized_size = 0;
  normalized[normalized_size++] = ' ';

  std::uint64_t previous_token = HashWord("<s>");  // for model bigrams, punctuation included
  std::uint64_t previous_word = 0;                 // for keyword pairs, words only
  int word_index = 0;
  std::size_t word_grams = 0;
  auto emit_token = [&](std::uint64_t hash) {
    if (analysis != nullptr && word_grams + 2 <= kMaxWordGrams) {
      analysis->word_grams[word_grams++] = Finalize(hash);
      if (config->word_bigrams) {
        analysis->word_grams[word_grams++] = Finalize(CombineHashes(previous_token, hash));
      }
    }
    previous_token = hash;
  };

  std::size_t i = 0;
  while (i < head.size()) {
    const auto c = Lower(static_cast<unsigned char>(head[i]));
    if (IsSpace(c)) {
      if (normalized[normalized_size - 1] != ' ') {
        normalized[normalized_size++] = ' ';
      }
      ++i;
      continue;
    }
    if (IsWordByte(c)) {
      // Lower-case the word into a small buffer; digit runs hash by their length only.
      std::array<char, 32> word{};
      std::size_t length = 0;
      bool all_digits = true;
      const std::size_t start = i;
      while (i < head.size() && IsWordByte(Lower(static_cast<unsigned char>(head[i])))) {
        const auto w = Lower(static_cast<unsigned char>(head[i]));
        all_digits = all_digits && w >= '0' && w <= '9';
        if (length < word.size()) {
          word[length++] = static_cast<char>(w);
        }
        normalized[normalized_size++] = (w >= '0' && w <= '9') ? '0' : w;
        ++i;
      }
      if (all_digits) {
        ++counts.numbers;
        length = std::min<std::size_t>(i - start, 4);
        std::fill_n(word.begin(), length, '0');
      }
      const std::uint64_t hash = HashWord(std::string_view(word.data(), length));
      const bool is_first = word_index == 0;
      CountKeyword(hash, is_first, counts);
      if (word_index > 0) {
        CountKeyword(CombineHashes(previous_word, hash), word_index == 1, counts);
      }
      previous_word = hash;
      ++word_index;
      emit_token(hash);
      continue;
    }
    // Punctuation and operators: one token each.
    const char next = i + 1 < head.size() ? head[i + 1] : '\0';
    switch (c) {
      case '=':
      case '+':
      case '*':
      case '/':
      case '^':
      case '<':
      case '>':
        ++counts.math_symbols;
        break;
      case '$':
        ++counts.latex;
        break;
      case '\\':
        counts.latex += (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ? 1 : 0;
        break;
      case '{':
      case '}':
        ++counts.braces;
        break;
      case ';':
      case '`':
        ++counts.code_syntax;
        break;
      case '(':
        counts.code_syntax += next == ')' ? 1 : 0;
        break;
      case ':':
        counts.code_syntax += next == ':' ? 1 : 0;
        break;
      case '?':
        ++counts.question_marks;
        break;
      default:
        break;
    }
    normalized[normalized_size++] = c;
    const auto punct = static_cast<char>(c);
    emit_token(HashWord(std::string_view(&punct, 1)));
    ++i;
  }
  if (normalized[normalized_size - 1] != ' ') {
    normalized[normalized_size++] = ' ';
  }
  counts.words = word_index;
  FinishFeatures(text, counts, values);
  if (analysis == nullptr) {
    return;
  }
  analysis->word_gram_count = word_grams;
  std::size_t char_grams = 0;
  const std::size_t min_n = config->char_ngram_min;
  const std::size_t max_n = config->char_ngram_max;
  if (min_n > 0 && max_n >= min_n) {
    for (std::size_t start = 0; start + min_n <= normalized_size; ++start) {
      std::uint64_t hash = kFnvOffset ^ kCharSeed;
      const std::size_t end = std::min(normalized_size, start + max_n);
      for (std::size_t k = start; k < end && char_grams < kMaxCharGrams; ++k) {
        hash = (hash ^ normalized[k]) * kFnvPrime;
        if (k + 1 - start >= min_n) {
          analysis->char_grams[char_grams++] = Finalize(hash + (k - start));
        }
      }
    }
  }
  analysis->char_gram_count = char_grams;
}

}  // namespace

std::string_view FeatureName(FeatureId id) {
  return kFeatureNames[static_cast<std::size_t>(id)];
}

void AnalyzeQuery(std::string_view text, const NgramConfig& config, QueryAnalysis& analysis) {
  Scan(text, &config, &analysis, analysis.features);
}

void ComputeFeatures(std::string_view text, FeatureValues& values) {
  Scan(text, nullptr, nullptr, values);
}

std::vector<NamedFeature> FiredFeatures(const FeatureValues& values) {
  std::vector<NamedFeature> fired;
  fired.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0.0F) {
      fired.push_back(NamedFeature{std::string(kFeatureNames[i]), values[i]});
    }
  }
  return fired;
}

std::vector<NamedFeature> ExtractFeatures(std::string_view text) {
  FeatureValues values{};
  ComputeFeatures(text, values);
  return FiredFeatures(values);
}

int EstimateTokens(std::string_view text) {
  int tokens = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) {
      std::size_t j = i;
      while (j < text.size()) {
        const auto d = static_cast<unsigned char>(text[j]);
        const bool same =
            alpha ? ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) : (d >= '0' && d <= '9');
        if (!same) {
          break;
        }
        ++j;
      }
      const std::size_t per_token = alpha ? 4 : 3;
      tokens += static_cast<int>((j - i + per_token - 1) / per_token);
      i = j;
    } else if (c >= 0x80) {
      std::size_t j = i;
      while (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x80) {
        ++j;
      }
      tokens += static_cast<int>((j - i + 1) / 2);
      i = j;
    } else {
      tokens += IsSpace(c) ? 0 : 1;
      ++i;
    }
  }
  return tokens;
}

}  // namespace amaima::routing
