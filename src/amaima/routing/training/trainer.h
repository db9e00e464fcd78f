#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/training/dataset.h"

namespace amaima::routing::training {

// Hyper-parameters of the complexity model trainer. The defaults produce the shipped
// models/router/complexity.amr.
struct TrainOptions {
  std::uint64_t seed{20250101};
  int epochs{15};
  double learning_rate{0.2};  // AdaGrad step size
  double l2{1e-6};            // per-update L2 on touched weights
  // Probability mass of the target put on each adjacent level (ordinal label smoothing:
  // predicting a neighbour of the true level is a smaller mistake than a far level).
  double neighbour_mass{0.05};
  std::uint32_t hash_bits{16};
  NgramConfig ngrams{};
  // Multiplies the loss of rows of a family; the hand-written GENERAL queries are few,
  // so they are up-weighted to count against ~5k exam questions.
  std::vector<std::pair<std::string, double>> family_weights{{"GENERAL", 6.0}};
};

// Trains the multinomial logistic regression on `rows` with AdaGrad SGD. Deterministic:
// the row order of each epoch is a Fisher-Yates shuffle driven by splitmix64(seed), and
// all arithmetic is single-threaded, so the same rows and options give byte-identical
// weights. Fails with kInvalidArgument when `rows` is empty or the options are invalid.
Result<ModelWeights> Train(const std::vector<LabelledQuery>& rows, const TrainOptions& options);

}  // namespace amaima::routing::training
