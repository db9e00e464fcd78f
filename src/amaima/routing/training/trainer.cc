#include "amaima/routing/training/trainer.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "amaima/routing/portable_math.h"
#include "amaima/routing/training/shuffle.h"

namespace amaima::routing::training {
namespace {

double FamilyWeight(const TrainOptions& options, const std::string& family) {
  for (const auto& [name, weight] : options.family_weights) {
    if (name == family) {
      return weight;
    }
  }
  return 1.0;
}

std::array<double, kLevelCount> Target(Level level, double neighbour_mass) {
  std::array<double, kLevelCount> target{};
  const int index = LevelIndex(level);
  double rest = 1.0;
  for (const int neighbour : {index - 1, index + 1}) {
    if (neighbour >= 0 && neighbour < kLevelCount) {
      target[static_cast<std::size_t>(neighbour)] = neighbour_mass;
      rest -= neighbour_mass;
    }
  }
  target[static_cast<std::size_t>(index)] = rest;
  return target;
}

}  // namespace

Result<ModelWeights> Train(const std::vector<LabelledQuery>& rows, const TrainOptions& options) {
  if (rows.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no training rows");
  }
  if (options.hash_bits == 0 || options.hash_bits > kMaxHashBits || options.epochs <= 0
      || options.learning_rate <= 0.0 || options.neighbour_mass < 0.0
      || options.neighbour_mass >= 0.5) {
    return Fail(ErrorCode::kInvalidArgument, "invalid training options");
  }
  ModelWeights model = MakeEmptyModel(options.ngrams, options.hash_bits);

  const std::vector<std::vector<SparseInput>> inputs = FeaturiseAll(
      rows.size(), [&rows](std::size_t r) -> std::string_view { return rows[r].text; },
      model.ngrams, model.hash_bits);
  std::vector<double> row_weights(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    row_weights[r] = FamilyWeight(options, rows[r].family);
  }

  std::vector<float> squared_gradients(model.weights.size(), 0.0F);
  std::array<double, kLevelCount> bias_squared_gradients{};
  constexpr double kEpsilon = 1e-8;
  std::vector<std::size_t> order = Iota(rows.size());
  SplitMix64 random(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    Shuffle(order, random);
    for (const std::size_t r : order) {
      std::array<double, kLevelCount> logits{};
      for (int k = 0; k < kLevelCount; ++k) {
        logits[k] = model.bias[k];
      }
      for (const SparseInput& input : inputs[r]) {
        const float* row = &model.weights[static_cast<std::size_t>(input.index) * kLevelCount];
        for (int k = 0; k < kLevelCount; ++k) {
          logits[k] += static_cast<double>(row[k]) * input.value;
        }
      }
      const double max_logit = *std::max_element(logits.begin(), logits.end());
      double total = 0.0;
      for (double& logit : logits) {
        logit = PortableExp(logit - max_logit);
        total += logit;
      }
      const std::array<double, kLevelCount> target = Target(rows[r].level, options.neighbour_mass);
      std::array<double, kLevelCount> delta{};  // d loss / d logit
      for (int k = 0; k < kLevelCount; ++k) {
        delta[k] = row_weights[r] * (logits[k] / total - target[k]);
        bias_squared_gradients[k] += delta[k] * delta[k];
        model.bias[k] -= static_cast<float>(options.learning_rate * delta[k]
                                            / std::sqrt(bias_squared_gradients[k] + kEpsilon));
      }
      for (const SparseInput& input : inputs[r]) {
        const std::size_t base = static_cast<std::size_t>(input.index) * kLevelCount;
        for (int k = 0; k < kLevelCount; ++k) {
          float& weight = model.weights[base + k];
          const double gradient = delta[k] * input.value + options.l2 * weight;
          squared_gradients[base + k] += static_cast<float>(gradient * gradient);
          weight -= static_cast<float>(options.learning_rate * gradient
                                       / std::sqrt(squared_gradients[base + k] + kEpsilon));
        }
      }
    }
  }
  return model;
}

}  // namespace amaima::routing::training
