#include "amaima/routing/strong_weak_model.h"

#include <cmath>
#include <cstring>

#include "amaima/routing/builtin_weights.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/portable_math.h"

namespace amaima::routing {
namespace {

constexpr std::string_view kMagic = "AMRS";

std::string Payload(const StrongWeakWeights& weights) {
  return PackPayload(std::span<const float>(&weights.bias, 1), weights.weights);
}

}  // namespace

StrongWeakWeights MakeEmptyStrongWeakWeights(const NgramConfig& ngrams, std::uint32_t hash_bits) {
  StrongWeakWeights weights;
  weights.ngrams = ngrams;
  weights.hash_bits = hash_bits;
  weights.weights.assign(weights.InputCount(), 0.0F);
  return weights;
}

std::string SerializeStrongWeakWeights(const StrongWeakWeights& weights) {
  return WriteWeightsFile(kMagic, WeightsShape{1, weights.hash_bits, weights.ngrams},
                          Payload(weights));
}

Result<StrongWeakWeights> ParseStrongWeakWeights(std::string_view bytes) {
  Result<ParsedWeightsFile> file = ReadWeightsFile(bytes, kMagic, 1, "strong-weak weights");
  if (!file) {
    return file.error();
  }
  StrongWeakWeights weights;
  weights.ngrams = file->shape.ngrams;
  weights.hash_bits = file->shape.hash_bits;
  std::memcpy(&weights.bias, file->payload.data(), sizeof(float));
  weights.weights.resize(weights.InputCount());
  std::memcpy(weights.weights.data(), file->payload.data() + sizeof(float),
              weights.weights.size() * sizeof(float));
  return weights;
}

std::string StrongWeakHashHex(const StrongWeakWeights& weights) {
  return PayloadHashHex(Payload(weights));
}

StrongWeakModel::StrongWeakModel(StrongWeakWeights weights)
    : weights_(std::move(weights)),
      version_("strong-weak-linear-" + std::to_string(kWeightsFormatVersion) + "+"
               + StrongWeakHashHex(weights_).substr(0, 12)) {}

Result<std::unique_ptr<StrongWeakModel>> StrongWeakModel::Load(const std::string& path) {
  Result<std::string> bytes = ReadWeightsFileBytes(path, "strong-weak weights");
  if (!bytes) {
    return bytes.error();
  }
  Result<std::unique_ptr<StrongWeakModel>> model = FromBytes(*bytes);
  if (!model) {
    Error error = model.error();
    error.message += " (" + path + ")";
    return error;
  }
  return model;
}

Result<std::unique_ptr<StrongWeakModel>> StrongWeakModel::LoadBuiltIn() {
  return FromBytes(BuiltInStrongWeakWeightsBytes());
}

Result<std::unique_ptr<StrongWeakModel>> StrongWeakModel::FromBytes(std::string_view bytes) {
  Result<StrongWeakWeights> weights = ParseStrongWeakWeights(bytes);
  if (!weights) {
    return weights.error();
  }
  return FromWeights(std::move(*weights));
}

std::unique_ptr<StrongWeakModel> StrongWeakModel::FromWeights(StrongWeakWeights weights) {
  return std::unique_ptr<StrongWeakModel>(new StrongWeakModel(std::move(weights)));
}

double StrongWeakModel::Predict(const QueryAnalysis& analysis) const {
  double logit = weights_.bias;
  const float* table = weights_.weights.data();
  ForEachInput(analysis, weights_.hash_bits, [&](std::uint32_t input, float value) {
    logit += static_cast<double>(table[input]) * value;
  });
  return 1.0 / (1.0 + PortableExp(-logit));
}

double StrongWeakModel::Predict(std::string_view text) const {
  // About 6 KB on the stack instead of a heap allocation per call.
  QueryAnalysis analysis;
  AnalyzeQuery(text, weights_.ngrams, analysis);
  return Predict(analysis);
}

}  // namespace amaima::routing
