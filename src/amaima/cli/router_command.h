#pragma once

#include <cstdint>
#include <iostream>
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
  // Files whose evaluation items are dropped from the training rows by text
  // (training::EvaluationKeys): no router model trains on an evaluation item's text.
  std::vector<std::string> exclude{};
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

// Runs `status_fn`; on failure prints the error to stderr and throws CLI::RuntimeError(1),
// which CLI11 turns into the exit status.
template <typename Fn>
void RunOrExit(Fn status_fn) {
  const Status status = status_fn();
  if (!status) {
    std::cerr << "error: " << status.error().message << "\n";
    throw CLI::RuntimeError(1);
  }
}

// Adds `train-strong`, `eval-strong` and `calibrate` to the `router` command
// (router_strong_command.cc).
void AddStrongWeakCommands(CLI::App& router);

// Adds `router train`, `router eval` and `router classify` to `app`. A failing command
// prints its error to stderr and throws CLI::RuntimeError(1), which CLI11's app.exit()
// (or CLI11_PARSE) turns into the exit status.
void AddRouterCommands(CLI::App& app);

}  // namespace amaima::cli
