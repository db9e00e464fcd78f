#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "amaima/core/result.h"

#include <CLI/CLI.hpp>

namespace amaima::cli {

// Arguments of `amaima router train`.
struct RouterTrainArgs {
  std::vector<std::string> data{};  // JSONL files of labelled queries
  std::string out{};                // weights file to write
  std::string split{"train"};       // rows of each file to use: all, train or dev
  std::uint64_t seed{20250101};
  int epochs{0};                // 0: the trainer's default
  double general_weight{-1.0};  // loss weight of GENERAL rows; < 0: the trainer's default
};

// Arguments of `amaima router eval`.
struct RouterEvalArgs {
  std::vector<std::string> data{};
  std::string model{};  // weights file; empty means the built-in model
  std::string split{"all"};
  bool json{false};
};

// Trains a complexity model on args.data and writes it to args.out, reporting progress to
// `out`. Fails when a file cannot be read or written or the data is invalid.
Status RunRouterTrain(const RouterTrainArgs& args, std::ostream& out);

// Evaluates a model and the heuristic baseline on args.data and prints the metrics table
// (or JSON) to `out`.
Status RunRouterEval(const RouterEvalArgs& args, std::ostream& out);

// Adds `router train`, `router eval` and `router classify` to `app`. A failing command
// prints its error to stderr and throws CLI::RuntimeError(1), which CLI11's app.exit()
// (or CLI11_PARSE) turns into the exit status.
void AddRouterCommands(CLI::App& app);

}  // namespace amaima::cli
