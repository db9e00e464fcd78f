#include "amaima/routing/complexity_classifier.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "amaima/routing/builtin_weights.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/portable_math.h"

namespace amaima::routing {

struct ComplexityClassifier::Model {
  ModelWeights weights{};
  std::string version{};
};

ComplexityClassifier::ComplexityClassifier(std::unique_ptr<Model> model)
    : model_(std::move(model)) {}

ComplexityClassifier::~ComplexityClassifier() = default;

Result<std::unique_ptr<ComplexityClassifier>> ComplexityClassifier::Load(const std::string& path) {
  Result<std::string> bytes = ReadWeightsFileBytes(path, "complexity weights");
  if (!bytes) {
    return bytes.error();
  }
  Result<std::unique_ptr<ComplexityClassifier>> classifier = FromBytes(*bytes);
  if (!classifier) {
    Error error = classifier.error();
    error.message += " (" + path + ")";
    return error;
  }
  return classifier;
}

Result<std::unique_ptr<ComplexityClassifier>> ComplexityClassifier::LoadBuiltIn() {
  return FromBytes(BuiltInWeightsBytes());
}

Result<std::unique_ptr<ComplexityClassifier>> ComplexityClassifier::FromBytes(
    std::string_view bytes) {
  Result<ModelWeights> weights = ParseModel(bytes);
  if (!weights) {
    return weights.error();
  }
  auto model = std::make_unique<Model>();
  model->version = "complexity-linear-" + std::to_string(kModelFormatVersion) + "+"
                   + ModelHashHex(*weights).substr(0, 12);
  model->weights = std::move(*weights);
  return std::unique_ptr<ComplexityClassifier>(new ComplexityClassifier(std::move(model)));
}

ComplexityResult ComplexityClassifier::Classify(std::string_view text) const {
  // About 6 KB on the stack instead of a heap allocation per call.
  QueryAnalysis analysis;
  AnalyzeQuery(text, model_->weights.ngrams, analysis);
  return Classify(analysis);
}

const NgramConfig& ComplexityClassifier::ngrams() const {
  return model_->weights.ngrams;
}

ComplexityResult ComplexityClassifier::Classify(const QueryAnalysis& analysis) const {
  const ModelWeights& weights = model_->weights;
  // Five scalar accumulators (not an array in memory): the same additions in the same
  // order, so the same floats, without a store-to-load round trip per input.
  static_assert(kLevelCount == 5);
  float l0 = weights.bias[0];
  float l1 = weights.bias[1];
  float l2 = weights.bias[2];
  float l3 = weights.bias[3];
  float l4 = weights.bias[4];
  const float* table = weights.weights.data();
  ForEachInput(analysis, weights.hash_bits, [&](std::uint32_t input, float value) {
    const float* row = table + static_cast<std::size_t>(input) * kLevelCount;
    l0 += row[0] * value;
    l1 += row[1] * value;
    l2 += row[2] * value;
    l3 += row[3] * value;
    l4 += row[4] * value;
  });
  const std::array<float, kLevelCount> logits = {l0, l1, l2, l3, l4};

  ComplexityResult result;
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double total = 0.0;
  for (int k = 0; k < kLevelCount; ++k) {
    result.probabilities[k] = PortableExp(static_cast<double>(logits[k] - max_logit));
    total += result.probabilities[k];
  }
  int best = 0;
  double expected_level = 0.0;
  for (int k = 0; k < kLevelCount; ++k) {
    result.probabilities[k] /= total;
    expected_level += k * result.probabilities[k];
    best = result.probabilities[k] > result.probabilities[best] ? k : best;
  }
  result.level = static_cast<Level>(best);
  result.score = expected_level / (kLevelCount - 1);
  result.features = FiredFeatures(analysis.features);
  return result;
}

const std::string& ComplexityClassifier::version() const {
  return model_->version;
}

}  // namespace amaima::routing
