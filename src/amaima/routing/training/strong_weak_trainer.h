#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/strong_weak_model.h"
#include "amaima/routing/training/routing_data.h"

namespace amaima::routing::training {

// Hyper-parameters of the strong-vs-weak trainer. The defaults produce the shipped
// models/router/strong_weak.amr; they were chosen by cross-validation on training items
// only (docs/routing.md).
struct StrongWeakTrainOptions {
  std::uint64_t seed{20250101};
  int epochs{10};
  double learning_rate{0.02};  // AdaGrad step size
  double l2{1e-5};             // per-update L2 on touched weights
  std::uint32_t hash_bits{16};
  NgramConfig ngrams{};
};

// The training target of one item: the probability that the strong model answers
// better, a tie counting one half. For 0/1 correctness: 1 when only the strong model is
// right, 0 when only the weak one is, 0.5 otherwise. For graded scores (MT-bench, 1..10)
// the same with the difference scaled by the score range: 0.5 + (strong - weak) / 18.
double StrongWinTarget(const RoutingItem& item);

// Trains a logistic regression on `items` (their targets by StrongWinTarget) with
// AdaGrad SGD on the cross-entropy with soft targets. Deterministic (splitmix64 shuffle,
// single-threaded). Fails with kInvalidArgument for no items or invalid options.
Result<StrongWeakWeights> TrainStrongWeak(const std::vector<RoutingItem>& items,
                                          const StrongWeakTrainOptions& options);

}  // namespace amaima::routing::training
