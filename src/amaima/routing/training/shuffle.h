#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "amaima/routing/complexity_model.h"

namespace amaima::routing::training {

// Helpers shared by the trainers: a deterministic shuffle and featurisation.

// splitmix64: a tiny, fully specified PRNG (std::shuffle and the std distributions are
// implementation-defined, which would make trained weights differ between standard
// libraries).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// Fisher-Yates shuffle of `order` driven by `random`.
inline void Shuffle(std::vector<std::size_t>& order, SplitMix64& random) {
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[random.Next() % i]);
  }
}

// One active input of a row: index into a model's input space and its value.
struct SparseInput {
  std::uint32_t index{0};
  float value{0.0F};
};

// The active inputs (ForEachInput) of each of `count` texts, text_of(i) giving the i-th:
// trainers featurise once and reuse the inputs every epoch.
inline std::vector<std::vector<SparseInput>> FeaturiseAll(
    std::size_t count, const std::function<std::string_view(std::size_t)>& text_of,
    const NgramConfig& ngrams, std::uint32_t hash_bits) {
  std::vector<std::vector<SparseInput>> inputs(count);
  auto analysis = std::make_unique<QueryAnalysis>();
  for (std::size_t r = 0; r < count; ++r) {
    AnalyzeQuery(text_of(r), ngrams, *analysis);
    ForEachInput(*analysis, hash_bits, [&](std::uint32_t index, float value) {
      inputs[r].push_back(SparseInput{index, value});
    });
  }
  return inputs;
}

// 0, 1, ..., count - 1.
inline std::vector<std::size_t> Iota(std::size_t count) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) {
    order[i] = i;
  }
  return order;
}

}  // namespace amaima::routing::training
