#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/features.h"
#include "amaima/routing/weights_file.h"

namespace amaima::routing {

// The weights of the strong-vs-weak router: a logistic regression over the same inputs
// as the complexity model (named features, then 2^hash_bits hashed n-gram buckets).
// File: the envelope of weights_file.h with magic "AMRS" and class_count = 1; payload:
// f32 bias, f32 weights[InputCount()].
struct StrongWeakWeights {
  NgramConfig ngrams{};
  std::uint32_t hash_bits{16};
  float bias{0.0F};
  std::vector<float> weights{};

  std::size_t InputCount() const { return kFeatureCount + (std::size_t{1} << hash_bits); }
};

// Returns a zero model of the given shape.
StrongWeakWeights MakeEmptyStrongWeakWeights(const NgramConfig& ngrams, std::uint32_t hash_bits);

// Returns the bytes of the weights file for `weights`.
std::string SerializeStrongWeakWeights(const StrongWeakWeights& weights);

// Parses a weights file; fails with kInvalidArgument naming the problem (see
// ReadWeightsFile).
Result<StrongWeakWeights> ParseStrongWeakWeights(std::string_view bytes);

// Lower-case hex SHA-256 of the payload of `weights` (as in the file header).
std::string StrongWeakHashHex(const StrongWeakWeights& weights);

// Predicts, for one query, the probability that the strong model of a pair is needed:
// the probability that it answers better than the weak one, a tie counting one half
// (trained on per-question outcomes of a strong and a weak model, see
// docs/routing.md). Ranking queries by it puts the queries that gain most from the
// strong model first; a threshold on it sets the share of strong calls.
//
// @par Thread Safety
// Immutable after loading; Predict() is const and safe to call from any thread.
class StrongWeakModel {
 public:
  static Result<std::unique_ptr<StrongWeakModel>> Load(const std::string& path);
  // The weights built into the binary (models/router/strong_weak.amr).
  static Result<std::unique_ptr<StrongWeakModel>> LoadBuiltIn();
  static Result<std::unique_ptr<StrongWeakModel>> FromBytes(std::string_view bytes);
  static std::unique_ptr<StrongWeakModel> FromWeights(StrongWeakWeights weights);

  // Probability in (0, 1) for an analysis made with ngrams().
  double Predict(const QueryAnalysis& analysis) const;
  // Analyses `text` and predicts.
  double Predict(std::string_view text) const;

  // The n-gram configuration the model expects its analysis to be made with.
  const NgramConfig& ngrams() const { return weights_.ngrams; }

  // "strong-weak-linear-<n>+<first 12 hex of the weights hash>".
  const std::string& version() const { return version_; }

 private:
  explicit StrongWeakModel(StrongWeakWeights weights);

  StrongWeakWeights weights_;
  std::string version_;
};

}  // namespace amaima::routing
