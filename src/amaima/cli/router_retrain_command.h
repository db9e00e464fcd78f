#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/routing/training/retrain.h"

#include <CLI/CLI.hpp>

namespace amaima::cli {

// Arguments of `amaima router retrain`.
struct RouterRetrainArgs {
  std::string db{};                         // SQLite file of the decisions and their feedback
  std::vector<std::string> base_data{};     // JSONL files; their `train` split is trained on
  std::vector<std::string> heldout{};       // JSONL files; their `heldout_split` rows are judged on
  std::string heldout_split{"dev"};         // all, train or dev
  std::string models_dir{};                 // the model registry (routing::training::ModelRegistry)
  double feedback_weight{4.0};              // loss weight of a feedback row
  routing::training::TrainOptions train{};  // the trainer's defaults (the shipped model's)
};

// What a retraining run ended with.
struct RetrainOutcome {
  routing::training::RetrainVerdict verdict{routing::training::RetrainVerdict::kReject};
  std::string candidate_version{};
  std::string active_version{};   // After the run.
  std::string report_markdown{};  // Paths of the report files written.
  std::string report_json{};
};

// Trains a candidate on the base data plus the feedback of `args.db`, judges it against the
// current model (the registry's active version, else the built-in one) on the held-out rows,
// promotes it into the registry when it passes routing::training::kPromotionRule, and writes
// the report to DIR/reports/<UTC time>-<candidate version>.{md,json}. `clock` names the report.
// A candidate that is not promoted is not an error. Fails on unreadable inputs, an empty
// held-out set, or a registry that cannot be written.
Result<RetrainOutcome> RunRouterRetrain(const RouterRetrainArgs& args, const Clock& clock,
                                        std::ostream& out);

// Prints the versions of the registry in `models_dir`, oldest first, the active one marked.
Status RunRouterVersions(const std::string& models_dir, std::ostream& out);

// Makes `version` of the registry in `models_dir` active again. Fails with kNotFound for a
// version the registry does not hold.
Status RunRouterRestore(const std::string& models_dir, const std::string& version,
                        std::ostream& out);

// Adds `retrain`, `versions` and `restore` to the `router` command.
void AddRouterRetrainCommands(CLI::App& router);

}  // namespace amaima::cli
