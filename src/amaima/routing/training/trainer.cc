#include "amaima/routing/training/trainer.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace amaima::routing::training {
namespace {

// One active input of a row: index into the model's input space and its value.
struct Input {
  std::uint32_t index{0};
  float value{0.0F};
};

// splitmix64: a tiny, fully specified PRNG (std::shuffle and the std distributions are
// implementation-defined, which would make weights differ between standard libraries).
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

  // Featurise once; every epoch reuses the inputs.
  std::vector<std::vector<Input>> inputs(rows.size());
  std::vector<double> row_weights(rows.size());
  auto analysis = std::make_unique<QueryAnalysis>();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    AnalyzeQuery(rows[r].text, model.ngrams, *analysis);
    ForEachInput(*analysis, model.hash_bits, [&](std::uint32_t index, float value) {
      inputs[r].push_back(Input{index, value});
    });
    row_weights[r] = FamilyWeight(options, rows[r].family);
  }

  std::vector<float> squared_gradients(model.weights.size(), 0.0F);
  std::array<double, kLevelCount> bias_squared_gradients{};
  constexpr double kEpsilon = 1e-8;
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  SplitMix64 random(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      std::swap(order[i], order[random.Next() % (i + 1)]);
    }
    for (const std::size_t r : order) {
      std::array<double, kLevelCount> logits{};
      for (int k = 0; k < kLevelCount; ++k) {
        logits[k] = model.bias[k];
      }
      for (const Input& input : inputs[r]) {
        const float* row = &model.weights[static_cast<std::size_t>(input.index) * kLevelCount];
        for (int k = 0; k < kLevelCount; ++k) {
          logits[k] += static_cast<double>(row[k]) * input.value;
        }
      }
      const double max_logit = *std::max_element(logits.begin(), logits.end());
      double total = 0.0;
      for (double& logit : logits) {
        logit = std::exp(logit - max_logit);
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
      for (const Input& input : inputs[r]) {
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
