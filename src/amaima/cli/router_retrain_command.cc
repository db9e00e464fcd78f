#include "amaima/cli/router_retrain_command.h"

#include <array>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include "amaima/routing/builtin_weights.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/training/dataset.h"
#include "amaima/routing/training/model_registry.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"

namespace amaima::cli {
namespace {

namespace training = routing::training;

Result<std::vector<training::LabelledQuery>> ReadFiles(const std::vector<std::string>& paths,
                                                       training::Split split) {
  std::vector<training::LabelledQuery> rows;
  for (const std::string& path : paths) {
    Result<std::vector<training::LabelledQuery>> file_rows =
        training::ReadLabelledQueries(path, split);
    if (!file_rows) {
      return file_rows.error();
    }
    rows.insert(rows.end(), std::make_move_iterator(file_rows->begin()),
                std::make_move_iterator(file_rows->end()));
  }
  return rows;
}

// Reads the corrections with stored text from the decision store at `path` (which must exist:
// a typo must not create an empty database).
Status ReadFeedback(const std::string& path, training::RetrainInputs& inputs) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(ErrorCode::kNotFound, "no database at " + path);
  }
  storage::SqliteOptions options;
  options.path = path;
  options.read_connections = 1;
  Result<std::unique_ptr<storage::SqliteDecisionStore>> store =
      storage::SqliteDecisionStore::Open(options);
  if (!store) {
    return store.error();
  }
  Result<storage::FeedbackSamples> samples = (*store)->ListFeedbackSamples();
  if (!samples) {
    return samples.error();
  }
  for (storage::FeedbackSample& sample : samples->samples) {
    const std::optional<routing::Level> level = routing::ParseLevel(sample.correct_level);
    if (!level) {  // The schema's CHECK makes this impossible.
      return Fail(ErrorCode::kInternal,
                  "feedback " + sample.feedback_id + " has level '" + sample.correct_level + "'");
    }
    inputs.feedback.push_back(training::FeedbackCorrection{std::move(sample.decision_id),
                                                           std::move(sample.text), *level});
  }
  inputs.feedback_skipped_without_text = samples->skipped_without_text;
  return {};
}

// The model that serves now: the registry's active version, else the built-in weights.
struct CurrentModel {
  std::unique_ptr<routing::ComplexityClassifier> classifier{};
  std::string source{};
  bool from_registry{false};
};

Result<CurrentModel> LoadCurrent(const training::ModelRegistry& registry) {
  Result<std::optional<std::string>> active = registry.ActivePath();
  if (!active) {
    return active.error();
  }
  CurrentModel current;
  current.from_registry = active->has_value();
  current.source = current.from_registry ? "registry" : "built-in";
  Result<std::unique_ptr<routing::ComplexityClassifier>> classifier =
      current.from_registry ? routing::ComplexityClassifier::Load(**active)
                            : routing::ComplexityClassifier::LoadBuiltIn();
  if (!classifier) {
    return classifier.error();
  }
  current.classifier = std::move(*classifier);
  return current;
}

// Adds the candidate to the registry and activates it. The first promotion also stores the
// built-in weights, so that `restore` can go back to them.
Status Promote(const training::ModelRegistry& registry, const training::RetrainResult& result,
               bool had_active) {
  if (!had_active) {
    Result<std::string> builtin = registry.Add(routing::BuiltInWeightsBytes());
    if (!builtin) {
      return builtin.error();
    }
  }
  Result<std::string> added = registry.Add(result.candidate_weights);
  if (!added) {
    return added.error();
  }
  return registry.Activate(*added);
}

// "20251121T101500Z": sorts by time and is a valid file name.
std::string FileTimestamp(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return text.data();
}

// Runs `status_fn`; on failure prints the error and makes CLI11 exit with status 1.
template <typename Fn>
void ExitOnError(Fn status_fn) {
  const Status status = status_fn();
  if (!status) {
    std::cerr << "error: " << status.error().message << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

Result<RetrainOutcome> RunRouterRetrain(const RouterRetrainArgs& args, const Clock& clock,
                                        std::ostream& out) {
  Result<training::Split> heldout_split = training::ParseSplit(args.heldout_split);
  if (!heldout_split) {
    return heldout_split.error();
  }
  training::RetrainInputs inputs;
  Result<std::vector<training::LabelledQuery>> base =
      ReadFiles(args.base_data, training::Split::kTrain);
  if (!base) {
    return base.error();
  }
  inputs.base = std::move(*base);
  Result<std::vector<training::LabelledQuery>> heldout = ReadFiles(args.heldout, *heldout_split);
  if (!heldout) {
    return heldout.error();
  }
  inputs.heldout = std::move(*heldout);
  if (Status read = ReadFeedback(args.db, inputs); !read) {
    return read.error();
  }

  const training::ModelRegistry registry(args.models_dir);
  Result<CurrentModel> current = LoadCurrent(registry);
  if (!current) {
    return current.error();
  }
  training::RetrainOptions options;
  options.train = args.train;
  options.feedback_weight = args.feedback_weight;
  Result<training::RetrainResult> result =
      training::Retrain(inputs, *current->classifier, current->source, options);
  if (!result) {
    return result.error();
  }

  RetrainOutcome outcome;
  outcome.verdict = result->verdict;
  outcome.candidate_version = result->candidate.version;
  outcome.active_version = result->current.version;
  if (result->verdict == training::RetrainVerdict::kPromote) {
    if (Status promoted = Promote(registry, *result, current->from_registry); !promoted) {
      return promoted.error();
    }
    outcome.active_version = result->candidate.version;
  }

  const auto now = clock.Now();
  const std::filesystem::path reports = std::filesystem::path(args.models_dir) / "reports";
  const std::string stem = FileTimestamp(now) + "-" + result->candidate.version;
  outcome.report_markdown = (reports / (stem + ".md")).string();
  outcome.report_json = (reports / (stem + ".json")).string();
  const std::string created_at = FormatRfc3339(now);
  Status markdown = training::WriteFileAtomically(
      outcome.report_markdown,
      training::RetrainReportMarkdown(*result, created_at, outcome.active_version));
  if (!markdown) {
    return markdown.error();
  }
  Status json = training::WriteFileAtomically(
      outcome.report_json,
      training::RetrainReportJson(*result, created_at, outcome.active_version));
  if (!json) {
    return json.error();
  }

  const training::Metrics& now_metrics = result->current.heldout.overall;
  const training::Metrics& candidate_metrics = result->candidate.heldout.overall;
  out << "rows: base " << result->counts.base << ", feedback used " << result->counts.feedback_train
      << ", feedback held out " << result->counts.feedback_heldout
      << ", feedback skipped without text " << result->counts.feedback_skipped_without_text
      << ", held-out " << result->counts.heldout << "\n"
      << "current   " << result->current.version << " (" << result->current.source << "): accuracy "
      << now_metrics.accuracy << ", macro-F1 " << now_metrics.macro_f1 << "\n"
      << "candidate " << result->candidate.version << ": accuracy " << candidate_metrics.accuracy
      << ", macro-F1 " << candidate_metrics.macro_f1 << "\n"
      << "verdict: " << training::RetrainVerdictName(result->verdict) << " (" << result->reason
      << ")\n"
      << "active: " << outcome.active_version << "\n"
      << "report: " << outcome.report_markdown << "\n";
  return outcome;
}

Status RunRouterVersions(const std::string& models_dir, std::ostream& out) {
  const training::ModelRegistry registry(models_dir);
  Result<std::vector<training::ModelVersion>> versions = registry.List();
  if (!versions) {
    return versions.error();
  }
  if (versions->empty()) {
    Result<std::unique_ptr<routing::ComplexityClassifier>> builtin =
        routing::ComplexityClassifier::LoadBuiltIn();
    out << "no versions in " << models_dir << "; the built-in model "
        << (builtin ? (*builtin)->version() : std::string("(none)")) << " is used\n";
    return {};
  }
  bool any_active = false;
  for (const training::ModelVersion& version : *versions) {
    out << (version.active ? "* " : "  ") << version.version << (version.active ? "  (active)" : "")
        << "\n";
    any_active = any_active || version.active;
  }
  if (!any_active) {
    out << "no version is active; the built-in model is used\n";
  }
  return {};
}

Status RunRouterRestore(const std::string& models_dir, const std::string& version,
                        std::ostream& out) {
  const training::ModelRegistry registry(models_dir);
  Result<std::optional<std::string>> before = registry.Active();
  Status activated = registry.Activate(version);
  if (!activated) {
    return activated;
  }
  out << "active: " << version;
  if (before && before->has_value()) {
    out << " (was " << **before << ")";
  }
  out << "\nrestart `amaima serve` (router.models_dir: " << models_dir << ") to load it\n";
  return {};
}

void AddRouterRetrainCommands(CLI::App& router) {
  auto args = std::make_shared<RouterRetrainArgs>();
  CLI::App* retrain = router.add_subcommand(
      "retrain",
      "Train a candidate on base data plus feedback; promote it only if it is at "
      "least as good on held-out data");
  retrain->add_option("--db", args->db, "SQLite file with the decisions and feedback")->required();
  retrain->add_option("--base-data", args->base_data, "Labelled JSONL files (split train)")
      ->required();
  retrain->add_option("--heldout", args->heldout, "Labelled JSONL files to judge on")->required();
  retrain
      ->add_option("--heldout-split", args->heldout_split,
                   "Rows of the held-out files to use: all, train or dev")
      ->capture_default_str();
  retrain->add_option("--models-dir", args->models_dir, "Model registry directory")->required();
  retrain
      ->add_option("--feedback-weight", args->feedback_weight,
                   "Loss weight of a feedback row relative to a base row")
      ->capture_default_str();
  retrain->add_option("--seed", args->train.seed, "Shuffle seed")->capture_default_str();
  retrain->callback([args] {
    ExitOnError([&]() -> Status {
      const SystemClock clock;
      Result<RetrainOutcome> outcome = RunRouterRetrain(*args, clock, std::cout);
      if (!outcome) {
        return outcome.error();
      }
      return {};
    });
  });

  auto versions_dir = std::make_shared<std::string>();
  CLI::App* versions = router.add_subcommand("versions", "List the model registry's versions");
  versions->add_option("--models-dir", *versions_dir, "Model registry directory")->required();
  versions->callback(
      [versions_dir] { ExitOnError([&] { return RunRouterVersions(*versions_dir, std::cout); }); });

  auto restore_dir = std::make_shared<std::string>();
  auto restore_version = std::make_shared<std::string>();
  CLI::App* restore = router.add_subcommand("restore", "Make an earlier model version active");
  restore->add_option("--models-dir", *restore_dir, "Model registry directory")->required();
  restore->add_option("version", *restore_version, "Version (see `router versions`)")->required();
  restore->callback([restore_dir, restore_version] {
    ExitOnError([&] { return RunRouterRestore(*restore_dir, *restore_version, std::cout); });
  });
}

}  // namespace amaima::cli
