#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/features.h"
#include "amaima/routing/level.h"
#include "amaima/routing/weights_file.h"

namespace amaima::routing {

// The weights of the linear complexity model and the configuration they were trained
// with. The input space is the named features (indices 0..kFeatureCount-1) followed by
// 2^hash_bits hashed n-gram buckets; weights are stored input-major:
// weights[input * kLevelCount + level].
//
// The weights file is the envelope of weights_file.h with magic "AMRC" and
// class_count = kLevelCount; payload: f32 bias[5], f32 weights[InputCount() * 5].
struct ModelWeights {
  NgramConfig ngrams{};
  std::uint32_t hash_bits{16};
  std::array<float, kLevelCount> bias{};
  std::vector<float> weights{};

  std::size_t InputCount() const { return kFeatureCount + (std::size_t{1} << hash_bits); }
};

inline constexpr std::uint32_t kModelFormatVersion = kWeightsFormatVersion;
inline constexpr std::size_t kModelHeaderBytes = kWeightsHeaderBytes;

// Returns a zero model of the given shape.
ModelWeights MakeEmptyModel(const NgramConfig& ngrams, std::uint32_t hash_bits);

// Returns the bytes of the weights file for `model`.
std::string SerializeModel(const ModelWeights& model);

// Parses a weights file. Fails with kInvalidArgument naming the problem when it is
// truncated, has a bad magic, an unknown format or feature-set version, an inconsistent
// shape, or a payload that does not match its SHA-256.
Result<ModelWeights> ParseModel(std::string_view bytes);

// Returns the lower-case hex SHA-256 of the payload of `model` (as in the file header).
std::string ModelHashHex(const ModelWeights& model);

// Calls fn(input_index, value) for every active input of `analysis`: the named features
// that fired, then each word and character n-gram bucket scaled by 1/sqrt(count) of its
// group, so that long and short queries contribute comparable totals. Training and
// classification both go through here, so they cannot disagree.
template <typename Fn>
void ForEachInput(const QueryAnalysis& analysis, std::uint32_t hash_bits, Fn&& fn) {
  for (std::size_t i = 0; i < analysis.features.size(); ++i) {
    if (analysis.features[i] != 0.0F) {
      fn(static_cast<std::uint32_t>(i), analysis.features[i]);
    }
  }
  const std::uint32_t mask = (std::uint32_t{1} << hash_bits) - 1;
  if (analysis.word_gram_count > 0) {
    const float scale = 1.0F / std::sqrt(static_cast<float>(analysis.word_gram_count));
    for (std::size_t i = 0; i < analysis.word_gram_count; ++i) {
      fn(kFeatureCount + (analysis.word_grams[i] & mask), scale);
    }
  }
  if (analysis.char_gram_count > 0) {
    const float scale = 1.0F / std::sqrt(static_cast<float>(analysis.char_gram_count));
    for (std::size_t i = 0; i < analysis.char_gram_count; ++i) {
      fn(kFeatureCount + (analysis.char_grams[i] & mask), scale);
    }
  }
}

}  // namespace amaima::routing
