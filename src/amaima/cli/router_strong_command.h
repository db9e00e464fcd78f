#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::cli {

// Arguments of `amaima router train-strong`.
struct TrainStrongArgs {
  std::vector<std::string> data{};  // routing correctness / MT-bench judgement files
  std::string mtbench_questions{};  // questions for MT-bench judgements
  std::vector<std::string> exclude{};
  std::string out{};
  std::uint64_t seed{20250101};
  int epochs{0};               // 0: the trainer's default
  double learning_rate{0.0};   // 0: the trainer's default
  std::uint32_t hash_bits{0};  // 0: the trainer's default
  int folds{0};                // > 1: cross-validate on the training items instead of writing
};

// Arguments of `amaima router eval-strong`.
struct EvalStrongArgs {
  std::vector<std::string> data{};
  std::string mtbench_questions{};
  std::string model{};        // weights file; empty means the built-in model
  std::string predictions{};  // JSONL of (id, benchmark, p_strong) per evaluation item
  int bins{10};
  int bootstrap{0};  // > 0: resamples for a 90 % interval of the 95 %-quality share
  bool json{false};
};

// Arguments of `amaima router calibrate`.
struct CalibrateArgs {
  std::vector<std::string> data{};  // JSONL rows with text, prompt or turns
  std::string model{};
  double target_share{0.5};
};

// Trains the strong-vs-weak router on the training items of args.data (the protocol's
// split), dropping every item whose text is an evaluation item of args.data,
// args.mtbench_questions or args.exclude, and writes args.out; or, with folds > 1,
// reports k-fold cross-validated metrics on the training items.
Status RunTrainStrong(const TrainStrongArgs& args, std::ostream& out);

// Evaluates a strong-vs-weak model on the evaluation items of args.data, per benchmark,
// with RouteLLM's metrics next to a random router's.
Status RunEvalStrong(const EvalStrongArgs& args, std::ostream& out);

// Prints the threshold that sends args.target_share of args.data's queries to the strong
// model.
Status RunCalibrate(const CalibrateArgs& args, std::ostream& out);

}  // namespace amaima::cli
