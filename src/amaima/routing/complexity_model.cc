#include "amaima/routing/complexity_model.h"

#include <cstring>

namespace amaima::routing {
namespace {

constexpr std::string_view kMagic = "AMRC";

WeightsShape ShapeOf(const ModelWeights& model) {
  return WeightsShape{kLevelCount, model.hash_bits, model.ngrams};
}

std::string Payload(const ModelWeights& model) {
  return PackPayload(model.bias, model.weights);
}

}  // namespace

ModelWeights MakeEmptyModel(const NgramConfig& ngrams, std::uint32_t hash_bits) {
  ModelWeights model;
  model.ngrams = ngrams;
  model.hash_bits = hash_bits;
  model.weights.assign(model.InputCount() * kLevelCount, 0.0F);
  return model;
}

std::string SerializeModel(const ModelWeights& model) {
  return WriteWeightsFile(kMagic, ShapeOf(model), Payload(model));
}

Result<ModelWeights> ParseModel(std::string_view bytes) {
  Result<ParsedWeightsFile> file =
      ReadWeightsFile(bytes, kMagic, kLevelCount, "complexity weights");
  if (!file) {
    return file.error();
  }
  ModelWeights model;
  model.hash_bits = file->shape.hash_bits;
  model.ngrams = file->shape.ngrams;
  std::memcpy(model.bias.data(), file->payload.data(), model.bias.size() * sizeof(float));
  model.weights.resize(model.InputCount() * kLevelCount);
  std::memcpy(model.weights.data(), file->payload.data() + model.bias.size() * sizeof(float),
              model.weights.size() * sizeof(float));
  return model;
}

std::string ModelHashHex(const ModelWeights& model) {
  return PayloadHashHex(Payload(model));
}

}  // namespace amaima::routing
