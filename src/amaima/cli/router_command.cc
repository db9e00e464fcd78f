#include "amaima/cli/router_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <unordered_set>

#include "amaima/cli/router_retrain_command.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/security_scanner.h"
#include "amaima/routing/training/dataset.h"
#include "amaima/routing/training/evaluation.h"
#include "amaima/routing/training/routing_data.h"
#include "amaima/routing/training/trainer.h"

namespace amaima::cli {
namespace {

namespace training = routing::training;

Result<std::vector<training::LabelledQuery>> ReadAll(const std::vector<std::string>& paths,
                                                     const std::string& split_name) {
  Result<training::Split> split = training::ParseSplit(split_name);
  if (!split) {
    return split.error();
  }
  std::vector<training::LabelledQuery> rows;
  for (const std::string& path : paths) {
    Result<std::vector<training::LabelledQuery>> file_rows =
        training::ReadLabelledQueries(path, *split);
    if (!file_rows) {
      return file_rows.error();
    }
    rows.insert(rows.end(), std::make_move_iterator(file_rows->begin()),
                std::make_move_iterator(file_rows->end()));
  }
  return rows;
}

Status RunRouterClassify(const std::string& text, const std::string& model_path) {
  Result<std::unique_ptr<routing::ComplexityClassifier>> classifier =
      model_path.empty() ? routing::ComplexityClassifier::LoadBuiltIn()
                         : routing::ComplexityClassifier::Load(model_path);
  if (!classifier) {
    return classifier.error();
  }
  const routing::ComplexityResult result = (*classifier)->Classify(text);
  std::cout << "level: " << routing::LevelName(result.level) << "  score: " << result.score
            << "  model: " << (*classifier)->version() << "\nprobabilities:";
  for (const routing::Level level : routing::kAllLevels) {
    std::cout << " " << routing::LevelName(level) << "="
              << result.probabilities[routing::LevelIndex(level)];
  }
  std::cout << "\nfeatures:";
  for (const routing::NamedFeature& feature : result.features) {
    std::cout << " " << feature.name << "=" << feature.value;
  }
  std::cout << "\nsecurity:";
  for (const std::string& category : routing::ScanSecurity(text).categories) {
    std::cout << " " << category;
  }
  std::cout << "\n";
  return {};
}

}  // namespace

Status RunRouterTrain(const RouterTrainArgs& args, std::ostream& out) {
  Result<std::vector<training::LabelledQuery>> rows = ReadAll(args.data, args.split);
  if (!rows) {
    return rows.error();
  }
  std::size_t dropped = 0;
  if (!args.exclude.empty()) {
    Result<std::unordered_set<std::string>> keys = training::EvaluationKeys(args.exclude);
    if (!keys) {
      return keys.error();
    }
    dropped = training::DropOverlapping(
        *rows, *keys,
        [](const training::LabelledQuery& row) -> const std::string& { return row.text; });
  }
  training::TrainOptions options;
  options.seed = args.seed;
  if (args.epochs > 0) {
    options.epochs = args.epochs;
  }
  if (args.general_weight >= 0.0) {
    options.family_weights = {{"GENERAL", args.general_weight}};
  }
  const auto start = std::chrono::steady_clock::now();
  Result<routing::ModelWeights> model = training::Train(*rows, options);
  if (!model) {
    return model.error();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string bytes = routing::SerializeModel(*model);
  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    return Fail(ErrorCode::kUnavailable, "cannot write " + args.out);
  }
  out << "dropped " << dropped << " rows whose text is an evaluation item of --exclude\n";
  out << "trained on " << rows->size() << " rows in " << seconds << " s; wrote " << args.out << " ("
      << bytes.size() << " bytes, sha256 " << routing::ModelHashHex(*model).substr(0, 12) << ")\n";
  return {};
}

Status RunRouterEval(const RouterEvalArgs& args, std::ostream& out) {
  Result<std::vector<training::LabelledQuery>> rows = ReadAll(args.data, args.split);
  if (!rows) {
    return rows.error();
  }
  Result<std::unique_ptr<routing::ComplexityClassifier>> classifier =
      args.model.empty() ? routing::ComplexityClassifier::LoadBuiltIn()
                         : routing::ComplexityClassifier::Load(args.model);
  if (!classifier) {
    return classifier.error();
  }
  const routing::ComplexityClassifier& model = **classifier;
  const training::EvaluationReport model_report =
      training::Evaluate(*rows, [&](std::string_view text) { return model.Classify(text).level; });
  const training::EvaluationReport baseline_report =
      training::Evaluate(*rows, training::HeuristicLevel);
  if (args.json) {
    out << training::ComparisonToJson(model_report, baseline_report) << "\n";
  } else {
    out << "model " << model.version() << " on " << rows->size() << " rows\n"
        << training::FormatComparison(model_report, baseline_report);
  }
  return {};
}

void AddRouterCommands(CLI::App& app) {
  CLI::App* router = app.add_subcommand("router", "Router models: train, evaluate, calibrate");
  router->require_subcommand(1);

  auto train_args = std::make_shared<RouterTrainArgs>();
  CLI::App* train = router->add_subcommand("train", "Train complexity weights from JSONL");
  train->add_option("--data", train_args->data, "Labelled JSONL files")->required();
  train->add_option("--out", train_args->out, "Weights file to write")->required();
  train->add_option("--split", train_args->split, "Rows to use: all, train or dev")
      ->capture_default_str();
  train->add_option("--exclude", train_args->exclude,
                    "Files whose evaluation items must not be trained on (routing correctness, "
                    "MT-bench questions, complexity dev)");
  train->add_option("--seed", train_args->seed, "Shuffle seed")->capture_default_str();
  train->add_option("--epochs", train_args->epochs, "Epochs (default: trainer's)");
  train->add_option("--general-weight", train_args->general_weight,
                    "Loss weight of GENERAL rows (default: trainer's)");
  train->callback(
      [train_args] { RunOrExit([&] { return RunRouterTrain(*train_args, std::cout); }); });

  auto eval_args = std::make_shared<RouterEvalArgs>();
  CLI::App* eval = router->add_subcommand("eval", "Evaluate a model against the baseline");
  eval->add_option("--data", eval_args->data, "Labelled JSONL files")->required();
  eval->add_option("--model", eval_args->model, "Weights file (default: built-in)");
  eval->add_option("--split", eval_args->split, "Rows to use: all, train or dev")
      ->capture_default_str();
  eval->add_flag("--json", eval_args->json, "Print JSON instead of a table");
  eval->callback([eval_args] { RunOrExit([&] { return RunRouterEval(*eval_args, std::cout); }); });

  auto text = std::make_shared<std::string>();
  auto model = std::make_shared<std::string>();
  CLI::App* classify = router->add_subcommand("classify", "Classify one query");
  classify->add_option("text", *text, "Query text")->required();
  classify->add_option("--model", *model, "Weights file (default: built-in)");
  classify->callback(
      [text, model] { RunOrExit([&] { return RunRouterClassify(*text, *model); }); });

  AddStrongWeakCommands(*router);
  AddRouterRetrainCommands(*router);
}

}  // namespace amaima::cli
