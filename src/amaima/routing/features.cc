#include "amaima/routing/features.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "amaima/routing/portable_math.h"

namespace amaima::routing {
namespace {

// Distinct seeds keep word, bigram and character n-gram hashes apart.
constexpr std::uint64_t kWordSeed = 0x2545f4914f6cdd1dULL;
constexpr std::uint64_t kBigramSeed = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kCharSeed = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t kMixMultiplier = 0x9e3779b97f4a7c15ULL;

// Only the first kMaxWordHashBytes bytes of a word contribute to its hash.
constexpr std::size_t kMaxWordHashBytes = 32;

static_assert(std::endian::native == std::endian::little,
              "word and character n-gram hashes read bytes as little-endian integers");

// Masks keeping the first n bytes of a little-endian 8-byte integer, n = 0..8.
constexpr std::array<std::uint64_t, 9> kByteMasks = {0,
                                                     0xffULL,
                                                     0xffffULL,
                                                     0xffffffULL,
                                                     0xffffffffULL,
                                                     0xffffffffffULL,
                                                     0xffffffffffffULL,
                                                     0xffffffffffffffULL,
                                                     ~std::uint64_t{0}};

// Loads 8 bytes (the caller guarantees they are readable) and keeps the first `count`.
std::uint64_t LoadBytes(const unsigned char* bytes, std::size_t count) {
  std::uint64_t packed = 0;
  std::memcpy(&packed, bytes, sizeof(packed));
  return packed & kByteMasks[std::min<std::size_t>(count, 8)];
}

constexpr std::uint64_t MixChunk(std::uint64_t hash, std::uint64_t chunk) {
  hash = (hash ^ chunk) * kMixMultiplier;
  return hash ^ (hash >> 32);
}

// The hash of a word (already lower-cased): its length and its first kMaxWordHashBytes
// bytes as little-endian 8-byte chunks, zero-padded; the first two chunks are always
// mixed in, so that words of up to 16 bytes (nearly all) hash without a branch.
// `load(offset, count)` returns bytes [offset, offset + count) packed, count = 0..8.
template <typename Load>
constexpr std::uint64_t HashWordWith(std::size_t length, Load&& load) {
  const std::size_t hashed = std::min(length, kMaxWordHashBytes);
  const auto chunk_bytes = [hashed](std::size_t offset) {
    return offset >= hashed ? 0 : std::min<std::size_t>(hashed - offset, 8);
  };
  std::uint64_t hash = kWordSeed + hashed * kBigramSeed;
  hash = MixChunk(hash, load(0, chunk_bytes(0)));
  hash = MixChunk(hash, load(8, chunk_bytes(8)));
  for (std::size_t offset = 16; offset < hashed; offset += 8) {
    hash = MixChunk(hash, load(offset, chunk_bytes(offset)));
  }
  return hash;
}

constexpr std::uint64_t HashWord(std::string_view word) {
  return HashWordWith(word.size(), [word](std::size_t offset, std::size_t count) {
    std::uint64_t packed = 0;
    for (std::size_t k = 0; k < count; ++k) {
      packed |= std::uint64_t{static_cast<unsigned char>(word[offset + k])} << (8 * k);
    }
    return packed;
  });
}

// The word of `length` bytes at `bytes`, which must be readable for kMaxWordHashBytes + 8
// bytes.
std::uint64_t HashWordAt(const unsigned char* bytes, std::size_t length) {
  return HashWordWith(length, [bytes](std::size_t offset, std::size_t count) {
    return LoadBytes(bytes + offset, count);
  });
}

constexpr std::uint64_t CombineHashes(std::uint64_t first, std::uint64_t second) {
  return (first * kBigramSeed) ^ (second + 0x632be59bd9b4e019ULL + (first << 6) + (first >> 2));
}

// MurmurHash3's 64-bit finaliser: spreads the bits before a model masks the hash.
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

// The keywords in an open-addressing (linear probing) table keyed by the word or word-pair
// hash. Every entry lies within kKeywordProbes slots of its home slot (checked at compile
// time), so a lookup reads just those slots. Besides one slot per keyword, each first word
// of a two-word keyword has a marker slot: pairs are only looked up after such a word.
constexpr std::size_t kKeywordSlotBits = 11;
constexpr std::size_t kKeywordProbes = 3;
constexpr std::size_t kKeywordSlots = (std::size_t{1} << kKeywordSlotBits) + kKeywordProbes;

// What a slot holds besides its hash: a FeatureId (kFeatureCount: none) and two flags.
constexpr std::uint8_t kFeatureBits = 0x1F;
constexpr std::uint8_t kFirstWordOnly = 0x20;
constexpr std::uint8_t kPairHead = 0x40;
static_assert(kFeatureCount <= kFeatureBits);

struct KeywordTable {
  std::array<std::uint64_t, kKeywordSlots> hashes{};  // 0: empty
  std::array<std::uint8_t, kKeywordSlots> infos{};
  bool complete{true};  // every entry found a slot within kKeywordProbes of its home
};

constexpr std::size_t SlotOf(std::uint64_t hash) {
  return static_cast<std::size_t>((hash * 0x9e3779b97f4a7c15ULL) >> (64 - kKeywordSlotBits));
}

constexpr void InsertKeyword(KeywordTable& table, std::uint64_t hash, std::uint8_t info) {
  const std::size_t home = SlotOf(hash);
  for (std::size_t slot = home; slot < home + kKeywordProbes; ++slot) {
    if (table.hashes[slot] == hash && table.infos[slot] == info && (info & kPairHead) != 0) {
      return;  // one marker per first word
    }
    if (table.hashes[slot] == 0) {
      table.hashes[slot] = hash;
      table.infos[slot] = info;
      return;
    }
  }
  table.complete = false;
}

constexpr KeywordTable BuildKeywordTable() {
  KeywordTable table;
  for (std::uint8_t& info : table.infos) {
    info = kFeatureCount;
  }
  for (const KeywordSpec& spec : kKeywords) {
    const std::size_t space = spec.text.find(' ');
    const std::uint64_t first = HashWord(spec.text.substr(0, space));
    std::uint64_t hash = first;
    if (space != std::string_view::npos) {
      hash = CombineHashes(first, HashWord(spec.text.substr(space + 1)));
      InsertKeyword(table, first, kPairHead | kFeatureCount);
    }
    InsertKeyword(table, hash,
                  static_cast<std::uint8_t>(static_cast<std::uint8_t>(spec.id)
                                            | (spec.first_word ? kFirstWordOnly : 0)));
  }
  return table;
}

constexpr KeywordTable kKeywordTable = BuildKeywordTable();

constexpr bool KeywordTableIsSound() {
  for (const KeywordSpec& spec : kKeywords) {
    if (HashWord(spec.text) == 0) {
      return false;  // 0 marks an empty slot
    }
  }
  return kKeywordTable.complete;
}

static_assert(KeywordTableIsSound());

constexpr std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "length_chars",  "length_words", "length_tokens", "short_query",    "code_markers",
    "code_request",  "math_symbols", "latex",         "numbers",        "reasoning",
    "proof_request", "constraints",  "multi_part",    "numbered_items", "question_marks",
    "choices",       "domain_terms", "expert_terms",  "design_request", "greeting",
    "lookup",        "question_wh",  "question_how",  "question_why",   "question_yesno",
    "imperative"};

constexpr bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

constexpr unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

constexpr bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

template <typename Fn>
constexpr std::array<std::uint8_t, 256> ByteTable(Fn fn) {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t c = 0; c < table.size(); ++c) {
    table[c] = fn(static_cast<unsigned char>(c));
  }
  return table;
}

// The byte as it appears in the text that character n-grams are taken from: lower-case,
// digits folded to '0', every whitespace byte a space.
constexpr auto kCharGramByte = ByteTable([](unsigned char c) -> std::uint8_t {
  return IsSpace(c) ? ' ' : (IsDigit(c) ? '0' : Lower(c));
});

// Hashes of single-byte tokens (punctuation) and of folded digit runs ("0" ... "0000").
constexpr auto kByteHashes = [] {
  std::array<std::uint64_t, 256> hashes{};
  for (std::size_t c = 0; c < hashes.size(); ++c) {
    const std::array<char, 1> byte = {static_cast<char>(c)};
    hashes[c] = HashWord(std::string_view(byte.data(), byte.size()));
  }
  return hashes;
}();

constexpr std::array<std::uint64_t, 5> kDigitRunHashes = {0, HashWord("0"), HashWord("00"),
                                                          HashWord("000"), HashWord("0000")};

float Log1p(float count) {
  return static_cast<float>(PortableLog1p(count));
}

// Counts that become features after the scan.
struct Counts {
  std::array<int, kFeatureCount + 1> keyword{};  // [kFeatureCount]: no feature
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

// What a line starts with (after spaces and tabs), given its first 4 bytes.
enum class LineMarker : std::uint8_t { kNone, kNumberedItem, kChoice };

LineMarker LineMarkerOf(std::string_view start) {
  if (start.size() < 2) {
    return LineMarker::kNone;
  }
  const char c0 = start[0];
  const char c1 = start[1];
  const bool numbered =
      (c0 >= '0' && c0 <= '9') && (c1 == '.' || c1 == ')') && (start.size() < 3 || start[2] == ' ');
  if (numbered || ((c0 == '-' || c0 == '*') && c1 == ' ')) {
    return LineMarker::kNumberedItem;  // "1." / "2)" / "- " / "* "
  }
  const bool parenthesised =
      c0 == '(' && start.size() >= 3 && start[1] >= 'A' && start[1] <= 'E' && start[2] == ')';
  if (((c0 >= 'A' && c0 <= 'E') && (c1 == '.' || c1 == ')')) || parenthesised) {
    return LineMarker::kChoice;  // "A." / "B)" / "(C)"
  }
  return LineMarker::kNone;
}

// Counts line-start markers: numbered items and multiple-choice options.
void ScanLineStarts(std::string_view text, Counts& counts) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) {
      ++j;
    }
    const LineMarker marker = LineMarkerOf(text.substr(j, 4));
    counts.numbered_items += marker == LineMarker::kNumberedItem ? 1 : 0;
    counts.choices += marker == LineMarker::kChoice ? 1 : 0;
    const std::size_t newline = text.find('\n', j);
    i = newline == std::string_view::npos ? text.size() : newline + 1;
  }
}

// Counts the keyword (or keyword pair) with `hash`; returns whether the word is the first
// word of some two-word keyword. Inlined: it runs once or twice per word.
[[gnu::always_inline]] inline bool CountKeyword(std::uint64_t hash, bool is_first, Counts& counts) {
  const std::size_t home = SlotOf(hash);
  bool pair_head = false;
  for (std::size_t probe = 0; probe < kKeywordProbes; ++probe) {
    // Most words are no keyword: this branch is rarely taken.
    if (kKeywordTable.hashes[home + probe] == hash) {
      const std::uint8_t info = kKeywordTable.infos[home + probe];
      const bool first_ok = is_first || (info & kFirstWordOnly) == 0;
      counts.keyword[info & kFeatureBits] += first_ok ? 1 : 0;
      pair_head = pair_head || (info & kPairHead) != 0;
    }
  }
  return pair_head;
}

// Bit i of each mask says whether byte i of a 64-byte block is an ASCII letter, a digit, a
// non-ASCII byte or whitespace (as IsSpace()).
struct BlockMasks {
  std::uint64_t alpha{0};
  std::uint64_t digit{0};
  std::uint64_t high{0};
  std::uint64_t space{0};
};

// Classifies the 64 bytes at `block`; when `lower` is set, also writes them there with
// ASCII letters lower-cased.
BlockMasks ClassifyBlock(const unsigned char* block, unsigned char* lower) {
  BlockMasks masks;
#if defined(__SSE2__)
  // x - lo < width (unsigned)  <=>  (x - lo) ^ 0x80 < width - 128 (signed).
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  const auto in_range = [&bias](__m128i x, int lo, int width) {
    const __m128i shifted =
        _mm_xor_si128(_mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo))), bias);
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(width - 128)));
  };
  const auto bits = [](__m128i mask) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(mask)));
  };
  const __m128i case_bit = _mm_set1_epi8(0x20);
  for (std::size_t part = 0; part < 4; ++part) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * part));
    const std::size_t shift = 16 * part;
    masks.alpha |= bits(in_range(_mm_or_si128(v, case_bit), 'a', 26)) << shift;
    masks.digit |= bits(in_range(v, '0', 10)) << shift;
    masks.high |= bits(v) << shift;
    masks.space |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), in_range(v, '\t', 5)))
                   << shift;
    if (lower != nullptr) {
      const __m128i lowered = _mm_or_si128(v, _mm_and_si128(in_range(v, 'A', 26), case_bit));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(lower + 16 * part), lowered);
    }
  }
#else
  for (int i = 0; i < 64; ++i) {
    const unsigned char c = block[i];
    const std::uint64_t bit = std::uint64_t{1} << i;
    masks.alpha |= (Lower(c) >= 'a' && Lower(c) <= 'z') ? bit : 0;
    masks.digit |= IsDigit(c) ? bit : 0;
    masks.high |= c >= 0x80 ? bit : 0;
    masks.space |= IsSpace(c) ? bit : 0;
    if (lower != nullptr) {
      lower[i] = Lower(c);
    }
  }
#endif
  return masks;
}

// Marks, in a block's mask of one byte class, where EstimateTokens() starts a token: every
// Period-th byte of each run, counted from the run's start. `carry` is the length of the
// run that reached the end of the previous block (0 if none) and is updated for the next.
// The first run's tokens are returned as a count in `first_run_tokens`.
template <unsigned Period>
std::uint64_t TokenStarts(std::uint64_t mask, std::uint64_t& carry, int& first_run_tokens) {
  const std::uint64_t original = mask;
  if (carry > 0 && (mask & 1U) != 0) {
    // The run at bit 0 continues one of `carry` bytes: count the multiples of Period in
    // [carry, carry + length).
    const auto length = static_cast<unsigned>(std::countr_one(mask));
    first_run_tokens += static_cast<int>((carry + length - 1) / Period - (carry - 1) / Period);
    if (length == 64) {
      carry += 64;
      return 0;
    }
    mask &= ~((std::uint64_t{1} << length) - 1);
  }
  carry = (original >> 63) != 0 ? static_cast<unsigned>(std::countl_one(original)) : 0;
  // Every other run starts in this block: its offsets 0, Period, 2 Period, ...
  std::uint64_t starts = mask & ~(mask << 1);
  std::uint64_t at_least = mask;  // bytes with at least Period run bytes before them
  for (unsigned k = 1; k <= Period; ++k) {
    at_least &= mask << k;
  }
  while (at_least != 0) {
    starts |= at_least & ~(at_least << 1);  // offset exactly Period, 2 Period, ...
    at_least &= at_least << Period;
  }
  return starts;
}

int Popcount(std::uint64_t x) {
  // Portable SWAR popcount: the baseline x86-64 target has no POPCNT instruction, and
  // std::popcount would call into libgcc.
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

struct TextCounts {
  int words{0};
  int tokens{0};
};

// Whitespace-separated words and EstimateTokens() of the whole text, 64 bytes at a time.
TextCounts CountText(std::string_view text) {
  TextCounts counts;
  std::uint64_t alpha_carry = 0;
  std::uint64_t digit_carry = 0;
  std::uint64_t high_carry = 0;
  std::uint64_t previous_nonspace = 0;  // top bit of the previous block
  std::array<unsigned char, 64> tail{};
  for (std::size_t at = 0; at < text.size(); at += 64) {
    const auto* block = reinterpret_cast<const unsigned char*>(text.data() + at);
    if (text.size() - at < 64) {
      tail.fill(' ');
      std::memcpy(tail.data(), block, text.size() - at);
      block = tail.data();
    }
    const BlockMasks masks = ClassifyBlock(block, nullptr);
    const std::uint64_t nonspace = ~masks.space;
    counts.words += Popcount(nonspace & ~((nonspace << 1) | previous_nonspace));
    previous_nonspace = nonspace >> 63;
    int first_run_tokens = 0;
    const std::uint64_t starts = ~(masks.alpha | masks.digit | masks.high | masks.space)
                                 | TokenStarts<4>(masks.alpha, alpha_carry, first_run_tokens)
                                 | TokenStarts<3>(masks.digit, digit_carry, first_run_tokens)
                                 | TokenStarts<2>(masks.high, high_carry, first_run_tokens);
    counts.tokens += Popcount(starts) + first_run_tokens;
  }
  return counts;
}

void SetFeature(FeatureValues& values, FeatureId id, float value) {
  values[static_cast<std::size_t>(id)] = value;
}

float KeywordCount(const Counts& counts, FeatureId id) {
  return static_cast<float>(counts.keyword[static_cast<std::size_t>(id)]);
}

void FinishFeatures(std::string_view text, const Counts& counts, FeatureValues& values) {
  const TextCounts text_counts = CountText(text);
  const int words = text_counts.words;
  values.fill(0.0F);
  SetFeature(values, F::kLengthChars, Log1p(static_cast<float>(text.size())));
  SetFeature(values, F::kLengthWords, Log1p(static_cast<float>(words)));
  SetFeature(values, F::kLengthTokens, Log1p(static_cast<float>(text_counts.tokens)));
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

// What a punctuation or operator byte counts towards, some only when followed by a
// certain byte: '\\' + a letter (LaTeX), "()" and "::" (code).
enum Symbol : std::uint8_t {
  kNoSymbol,
  kMathSymbol,    // = + * / ^ < >
  kDollar,        // $
  kBackslash,     // \ before a letter
  kBrace,         // { }
  kCodeSymbol,    // ; `
  kOpenParen,     // ( before )
  kColon,         // : before :
  kQuestionMark,  // ?
  kSymbolCount,
};

constexpr auto kSymbols = ByteTable([](unsigned char c) -> std::uint8_t {
  switch (c) {
    case '=':
    case '+':
    case '*':
    case '/':
    case '^':
    case '<':
    case '>':
      return kMathSymbol;
    case '$':
      return kDollar;
    case '\\':
      return kBackslash;
    case '{':
    case '}':
      return kBrace;
    case ';':
    case '`':
      return kCodeSymbol;
    case '(':
      return kOpenParen;
    case ':':
      return kColon;
    case '?':
      return kQuestionMark;
    default:
      return kNoSymbol;
  }
});

// Counts the symbol `c` (from kSymbols) followed by `next` (lower-cased), without
// branching on the text.
void CountSymbol(unsigned char c, unsigned char next, std::array<int, kSymbolCount>& symbols) {
  const std::uint8_t symbol = kSymbols[c];
  const bool counts = (symbol == kBackslash)   ? (next >= 'a' && next <= 'z')
                      : (symbol == kOpenParen) ? next == ')'
                      : (symbol == kColon)     ? next == ':'
                                               : true;
  symbols[symbol] += counts ? 1 : 0;
}

// Character n-grams of the lower-cased, whitespace-collapsed first kCharGramBytes bytes
// (digits fold to '0'), framed by spaces: each the hash of its bytes (at most 8, as
// ParseModel() checks) and its length. Returns how many were written to `grams`.
std::size_t CharGrams(std::string_view text, const NgramConfig& config,
                      std::array<std::uint32_t, kMaxCharGrams>& grams) {
  const std::size_t min_n = config.char_ngram_min;
  const std::size_t max_n = std::min<std::size_t>(config.char_ngram_max, 8);
  if (min_n == 0 || max_n < min_n) {
    return 0;
  }
  // Zero-filled beyond the text, so that 8 bytes can be loaded from any start.
  std::array<unsigned char, kCharGramBytes + 2 + 8> normalized{};
  std::size_t size = 1;
  normalized[0] = ' ';
  unsigned char last = ' ';
  for (const char c : text.substr(0, kCharGramBytes)) {
    const unsigned char byte = kCharGramByte[static_cast<unsigned char>(c)];
    normalized[size] = byte;
    size += (byte != ' ' || last != ' ') ? 1 : 0;
    last = byte;
  }
  if (last != ' ') {
    normalized[size++] = ' ';
  }
  std::size_t count = 0;
  if (min_n == 3 && max_n == 4) {
    // The default configuration, unrolled: a 3- and a 4-gram per start, in this order.
    const auto gram = [](std::uint64_t bytes, std::uint64_t n) {
      return Finalize((bytes & kByteMasks[n]) ^ kCharSeed ^ (n << 59));
    };
    std::size_t start = 0;
    for (; start + 4 <= size; ++start) {
      std::uint64_t bytes = 0;
      std::memcpy(&bytes, normalized.data() + start, sizeof(bytes));
      grams[count] = gram(bytes, 3);
      grams[count + 1] = gram(bytes, 4);
      count += 2;
    }
    if (start + 3 <= size) {
      std::uint64_t bytes = 0;
      std::memcpy(&bytes, normalized.data() + start, sizeof(bytes));
      grams[count++] = gram(bytes, 3);
    }
    return count;
  }
  for (std::size_t start = 0; start + min_n <= size; ++start) {
    std::uint64_t bytes = 0;
    std::memcpy(&bytes, normalized.data() + start, sizeof(bytes));
    const std::size_t longest = std::min(max_n, size - start);
    for (std::size_t n = min_n; n <= longest && count < kMaxCharGrams; ++n) {
      grams[count++] = Finalize((bytes & kByteMasks[n]) ^ kCharSeed ^ (std::uint64_t{n} << 59));
    }
  }
  return count;
}

// Bit masks of the analysed head of a query, 64 bytes per element, and its bytes with
// ASCII letters lower-cased (zero-filled past the end, so that words can be loaded 8 bytes
// at a time).
constexpr std::size_t kHeadBlocks = (kMaxAnalyzedBytes + 63) / 64;

struct Head {
  std::size_t size{0};
  std::array<unsigned char, 64 * kHeadBlocks + kMaxWordHashBytes + 8> lower{};
  // Word bytes: ASCII letters and digits, and non-ASCII bytes. +1: a zero sentinel.
  std::array<std::uint64_t, kHeadBlocks + 1> word{};
  std::array<std::uint64_t, kHeadBlocks + 1> digit{};  // '0'-'9'
  std::array<std::uint64_t, kHeadBlocks + 1> other{};  // neither word byte nor whitespace
};

void IndexHead(std::string_view head, Head& index) {
  index.size = head.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
  std::array<unsigned char, 64> tail{};
  for (std::size_t at = 0, block = 0; at < head.size(); at += 64, ++block) {
    const unsigned char* in = bytes + at;
    std::uint64_t valid = ~std::uint64_t{0};
    if (head.size() - at < 64) {
      std::memcpy(tail.data(), in, head.size() - at);
      in = tail.data();
      valid = (std::uint64_t{1} << (head.size() - at)) - 1;
    }
    const BlockMasks masks = ClassifyBlock(in, index.lower.data() + at);
    index.word[block] = (masks.alpha | masks.digit | masks.high) & valid;
    index.digit[block] = masks.digit & valid;
    index.other[block] = ~(masks.alpha | masks.digit | masks.high | masks.space) & valid;
  }
}

// The length of the run of set bits in `masks` (one element per 64 bytes, ending in a
// zero) that starts at bit `at`.
std::size_t RunLength(const std::uint64_t* masks, std::size_t at) {
  std::size_t block = at / 64;
  const std::size_t bit = at % 64;
  auto length = static_cast<std::size_t>(std::countr_one(masks[block] >> bit));
  if (length < 64 - bit) {
    return length;  // the run ends in this block (nearly always)
  }
  for (++block; masks[block] == ~std::uint64_t{0}; ++block) {
    length += 64;
  }
  return length + static_cast<std::size_t>(std::countr_one(masks[block]));
}

bool TestBit(const std::uint64_t* masks, std::size_t at) {
  return ((masks[at / 64] >> (at % 64)) & 1U) != 0;
}

// Counts punctuation and operators (CountSymbol) into `counts`.
void CountSymbols(const Head& head, Counts& counts) {
  std::array<int, kSymbolCount> symbols{};
  for (std::size_t block = 0; block * 64 < head.size; ++block) {
    for (std::uint64_t other = head.other[block]; other != 0; other &= other - 1) {
      const std::size_t at = block * 64 + static_cast<std::size_t>(std::countr_zero(other));
      CountSymbol(head.lower[at], head.lower[at + 1], symbols);
    }
  }
  counts.math_symbols = symbols[kMathSymbol];
  counts.latex = symbols[kDollar] + symbols[kBackslash];
  counts.braces = symbols[kBrace];
  counts.code_syntax = symbols[kCodeSymbol] + symbols[kOpenParen] + symbols[kColon];
  counts.question_marks = symbols[kQuestionMark];
}

// Writes the word n-grams of a sequence of tokens: each token's hash, and (with bigrams)
// the hash of it and the token before, until `grams` is full.
class WordGramWriter {
 public:
  WordGramWriter(std::uint32_t* grams, bool bigrams) : grams_(grams), bigrams_(bigrams) {}

  void Add(std::uint64_t hash) {
    if (count_ + 2 <= kMaxWordGrams) {
      grams_[count_++] = Finalize(hash);
      if (bigrams_) {
        grams_[count_++] = Finalize(CombineHashes(previous_, hash));
      }
    }
    previous_ = hash;
  }

  std::size_t count() const { return count_; }

 private:
  std::uint32_t* grams_;
  bool bigrams_;
  std::size_t count_{0};
  std::uint64_t previous_{HashWord("<s>")};  // punctuation included
};

// The words of the head, in order: counts numbers and keywords (single and paired).
class WordCounter {
 public:
  // Counts the word that starts at `at` and returns its hash (HashWordAt(); digit runs
  // hash by their length only).
  std::uint64_t Add(const Head& head, std::size_t at, Counts& counts) {
    const std::size_t length = RunLength(head.word.data(), at);
    const bool digits = RunLength(head.digit.data(), at) >= length;
    counts.numbers += digits ? 1 : 0;
    const std::uint64_t hash = digits ? kDigitRunHashes[std::min<std::size_t>(length, 4)]
                                      : HashWordAt(head.lower.data() + at, length);
    const bool pair_head = CountKeyword(hash, words_ == 0, counts);
    if (previous_pair_head_) {
      CountKeyword(CombineHashes(previous_, hash), words_ == 1, counts);
    }
    previous_ = hash;
    previous_pair_head_ = pair_head;
    ++words_;
    return hash;
  }

  int words() const { return words_; }

 private:
  std::uint64_t previous_{0};
  bool previous_pair_head_{false};
  int words_{0};
};

// The pass behind AnalyzeQuery() and ComputeFeatures(): the named features from the first
// kMaxAnalyzedBytes (length features from the whole text) and, when `analysis` is set, the
// n-grams. Tokens are words (runs of ASCII letters and digits and non-ASCII bytes,
// lower-cased) and single punctuation bytes; word n-grams are the tokens that start in the
// first kWordGramBytes, and the pairs of consecutive ones.
void Scan(std::string_view text, const NgramConfig* config, QueryAnalysis* analysis,
          FeatureValues& values) {
  const std::string_view head_text = text.substr(0, kMaxAnalyzedBytes);
  Counts counts{};
  ScanLineStarts(head_text, counts);
  Head head;
  IndexHead(head_text, head);
  CountSymbols(head, counts);

  WordGramWriter grams(analysis != nullptr ? analysis->word_grams.data() : nullptr,
                       analysis != nullptr && config->word_bigrams);
  // Word n-grams come from the tokens that start before `gram_end` (0 without analysis).
  const std::size_t gram_end = analysis != nullptr ? std::min(kWordGramBytes, head.size) : 0;
  WordCounter words;
  std::uint64_t previous_word_bit = 0;  // top bit of the previous block's word mask
  for (std::size_t block = 0; block * 64 < head.size; ++block) {
    const std::size_t block_at = block * 64;
    const std::uint64_t word_bytes = head.word[block];
    const std::uint64_t word_starts = word_bytes & ~((word_bytes << 1) | previous_word_bit);
    previous_word_bit = word_bytes >> 63;
    // Punctuation tokens only matter for n-grams.
    std::uint64_t in_window = 0;
    if (gram_end > block_at) {
      in_window = gram_end - block_at >= 64 ? ~std::uint64_t{0}
                                            : (std::uint64_t{1} << (gram_end - block_at)) - 1;
    }
    for (std::uint64_t tokens = word_starts | (head.other[block] & in_window); tokens != 0;
         tokens &= tokens - 1) {
      const std::size_t at = block_at + static_cast<std::size_t>(std::countr_zero(tokens));
      if (!TestBit(head.word.data(), at)) {
        grams.Add(kByteHashes[head.lower[at]]);
        continue;
      }
      const std::uint64_t hash = words.Add(head, at, counts);
      if (at < gram_end) {
        grams.Add(hash);
      }
    }
  }
  counts.words = words.words();
  FinishFeatures(text, counts, values);
  if (analysis == nullptr) {
    return;
  }
  analysis->word_gram_count = grams.count();
  analysis->char_gram_count = CharGrams(text, *config, analysis->char_grams);
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
  return CountText(text).tokens;
}

}  // namespace amaima::routing
