#include "amaima/routing/training/strong_weak_trainer.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "amaima/routing/complexity_model.h"
#include "amaima/routing/portable_math.h"
#include "amaima/routing/training/shuffle.h"

namespace amaima::routing::training {
double StrongWinTarget(const RoutingItem& item) {
  const bool graded = item.strong_quality > 1.0 || item.weak_quality > 1.0;
  const double range = graded ? 9.0 : 1.0;
  return std::clamp(0.5 + (item.strong_quality - item.weak_quality) / (2.0 * range), 0.0, 1.0);
}

Result<StrongWeakWeights> TrainStrongWeak(const std::vector<RoutingItem>& items,
                                          const StrongWeakTrainOptions& options) {
  if (items.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no training items");
  }
  if (options.hash_bits == 0 || options.hash_bits > kMaxHashBits || options.epochs <= 0
      || options.learning_rate <= 0.0 || options.l2 < 0.0) {
    return Fail(ErrorCode::kInvalidArgument, "invalid training options");
  }
  StrongWeakWeights model = MakeEmptyStrongWeakWeights(options.ngrams, options.hash_bits);

  const std::vector<std::vector<SparseInput>> inputs = FeaturiseAll(
      items.size(), [&items](std::size_t r) -> std::string_view { return items[r].prompt; },
      model.ngrams, model.hash_bits);
  std::vector<double> targets(items.size());
  for (std::size_t r = 0; r < items.size(); ++r) {
    targets[r] = StrongWinTarget(items[r]);
  }

  std::vector<float> squared_gradients(model.weights.size(), 0.0F);
  double bias_squared_gradient = 0.0;
  constexpr double kEpsilon = 1e-8;
  std::vector<std::size_t> order = Iota(items.size());
  SplitMix64 random(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    Shuffle(order, random);
    for (const std::size_t r : order) {
      double logit = model.bias;
      for (const SparseInput& input : inputs[r]) {
        logit += static_cast<double>(model.weights[input.index]) * input.value;
      }
      const double delta = 1.0 / (1.0 + PortableExp(-logit)) - targets[r];  // d loss / d logit
      bias_squared_gradient += delta * delta;
      model.bias -= static_cast<float>(options.learning_rate * delta
                                       / std::sqrt(bias_squared_gradient + kEpsilon));
      for (const SparseInput& input : inputs[r]) {
        float& weight = model.weights[input.index];
        const double gradient = delta * input.value + options.l2 * weight;
        squared_gradients[input.index] += static_cast<float>(gradient * gradient);
        weight -= static_cast<float>(options.learning_rate * gradient
                                     / std::sqrt(squared_gradients[input.index] + kEpsilon));
      }
    }
  }
  return model;
}

}  // namespace amaima::routing::training
