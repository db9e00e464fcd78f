#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/features.h"
#include "amaima/routing/level.h"

namespace amaima::routing {

// What the classifier says about one query.
struct ComplexityResult {
  Level level{Level::kModerate};                    // argmax of probabilities
  double score{0.0};                                // 0..1, expected level / 4
  std::array<double, kLevelCount> probabilities{};  // sums to 1
  std::vector<NamedFeature> features{};             // signals that fired
};

// Places a query on the five complexity levels: named features plus a linear
// model over hashed word and character n-grams, loaded from a versioned weights file.
//
// @par Thread Safety
// Immutable after Load(); Classify() is const and safe to call from any thread.
class ComplexityClassifier {
 public:
  // Loads a weights file. Fails with kInvalidArgument naming the problem if the file
  // is missing, truncated, of an unknown format version or fails its hash check.
  static Result<std::unique_ptr<ComplexityClassifier>> Load(const std::string& path);
  // Loads the weights built into the binary.
  static Result<std::unique_ptr<ComplexityClassifier>> LoadBuiltIn();
  // Parses weights from memory (the file's bytes).
  static Result<std::unique_ptr<ComplexityClassifier>> FromBytes(std::string_view bytes);

  ComplexityClassifier(const ComplexityClassifier&) = delete;
  ComplexityClassifier& operator=(const ComplexityClassifier&) = delete;
  ComplexityClassifier(ComplexityClassifier&&) = delete;
  ComplexityClassifier& operator=(ComplexityClassifier&&) = delete;
  ~ComplexityClassifier();

  // Classifies `text`. Deterministic: same text and weights, same result.
  ComplexityResult Classify(std::string_view text) const;
  // Classifies an analysis made with ngrams() (so that several models share one).
  ComplexityResult Classify(const QueryAnalysis& analysis) const;

  // The n-gram configuration the model was trained with.
  const NgramConfig& ngrams() const;

  // "complexity-linear-<n>+<first 12 hex of the weights hash>", recorded in every decision.
  const std::string& version() const;

 private:
  struct Model;
  explicit ComplexityClassifier(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

}  // namespace amaima::routing
