#include "amaima/routing/complexity_classifier.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "amaima/routing/builtin_weights.h"
#include "amaima/routing/complexity_model.h"

namespace amaima::routing {

struct ComplexityClassifier::Model {
  ModelWeights weights{};
  std::string version{};
};

ComplexityClassifier::ComplexityClassifier(std::unique_ptr<Model> model)
    : model_(std::move(model)) {}

ComplexityClassifier::~ComplexityClassifier() = default;

Result<std::unique_ptr<ComplexityClassifier>> ComplexityClassifier::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(ErrorCode::kInvalidArgument, "complexity weights: cannot open " + path);
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  Result<std::unique_ptr<ComplexityClassifier>> classifier = FromBytes(contents.str());
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
  const ModelWeights& weights = model_->weights;
  // ~20 KB on the stack instead of a heap allocation per call.
  QueryAnalysis analysis;
  AnalyzeQuery(text, weights.ngrams, analysis);

  std::array<float, kLevelCount> logits = weights.bias;
  const float* table = weights.weights.data();
  ForEachInput(analysis, weights.hash_bits, [&](std::uint32_t input, float value) {
    const float* row = table + static_cast<std::size_t>(input) * kLevelCount;
    for (int k = 0; k < kLevelCount; ++k) {
      logits[k] += row[k] * value;
    }
  });

  ComplexityResult result;
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double total = 0.0;
  for (int k = 0; k < kLevelCount; ++k) {
    result.probabilities[k] = std::exp(static_cast<double>(logits[k] - max_logit));
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
