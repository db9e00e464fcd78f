#include "amaima/cli/router_strong_command.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>
#include <unordered_set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/cli/router_command.h"
#include "amaima/routing/strong_weak_model.h"
#include "amaima/routing/training/routing_data.h"
#include "amaima/routing/training/routing_eval.h"
#include "amaima/routing/training/shuffle.h"
#include "amaima/routing/training/strong_weak_trainer.h"

namespace amaima::cli {
namespace {

namespace training = routing::training;

Result<std::vector<training::RoutingItem>> ReadItems(const std::vector<std::string>& paths,
                                                     const std::string& mtbench_questions) {
  std::vector<training::RoutingItem> items;
  for (const std::string& path : paths) {
    Result<std::vector<training::RoutingItem>> file_items =
        training::ReadRoutingItems(path, training::ModelPair{}, mtbench_questions);
    if (!file_items) {
      return file_items.error();
    }
    items.insert(items.end(), std::make_move_iterator(file_items->begin()),
                 std::make_move_iterator(file_items->end()));
  }
  return items;
}

Result<std::unique_ptr<routing::StrongWeakModel>> LoadModel(const std::string& path) {
  return path.empty() ? routing::StrongWeakModel::LoadBuiltIn()
                      : routing::StrongWeakModel::Load(path);
}

std::string Percent(double share) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * share << " %";
  return out.str();
}

std::string Fixed(double value, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

// Metrics of `scores` per benchmark, in the order benchmarks first appear.
std::vector<std::pair<std::string, training::RoutingMetrics>> MetricsByBenchmark(
    const std::vector<training::RoutingItem>& items, const std::vector<double>& scores, int bins) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!members.contains(items[i].benchmark)) {
      order.push_back(items[i].benchmark);
    }
    members[items[i].benchmark].push_back(i);
  }
  std::vector<std::pair<std::string, training::RoutingMetrics>> result;
  for (const std::string& benchmark : order) {
    std::vector<double> s;
    std::vector<double> strong;
    std::vector<double> weak;
    for (const std::size_t i : members[benchmark]) {
      s.push_back(scores[i]);
      strong.push_back(items[i].strong_quality);
      weak.push_back(items[i].weak_quality);
    }
    result.emplace_back(benchmark, training::EvaluateRouting(s, strong, weak, bins));
  }
  return result;
}

// The 5th and 95th percentiles of the strong share needed for 95 % quality over
// `resamples` bootstrap resamples (with replacement, splitmix64-seeded) of one
// benchmark's items: how much of a difference between two routers is noise.
std::pair<double, double> BootstrapShareFor95(const std::vector<training::RoutingItem>& items,
                                              const std::vector<double>& scores,
                                              const std::string& benchmark, int bins,
                                              int resamples) {
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].benchmark == benchmark) {
      members.push_back(i);
    }
  }
  training::SplitMix64 random(0xb007);
  std::vector<double> shares;
  std::vector<double> s(members.size());
  std::vector<double> strong(members.size());
  std::vector<double> weak(members.size());
  for (int r = 0; r < resamples; ++r) {
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::size_t i = members[random.Next() % members.size()];
      s[k] = scores[i];
      strong[k] = items[i].strong_quality;
      weak[k] = items[i].weak_quality;
    }
    shares.push_back(training::EvaluateRouting(s, strong, weak, bins).share_for_95);
  }
  std::sort(shares.begin(), shares.end());
  const auto at = [&shares](double q) {
    return shares[static_cast<std::size_t>(q * static_cast<double>(shares.size() - 1))];
  };
  return {at(0.05), at(0.95)};
}

void PrintMetricsTable(const std::vector<std::pair<std::string, training::RoutingMetrics>>& metrics,
                       std::ostream& out) {
  out << "| benchmark | items | strong | weak | APGR | CPT(20%) | CPT(50%) | CPT(80%) "
         "| strong calls for 95 % | random router |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& [benchmark, m] : metrics) {
    const int digits = m.strong_quality > 1.0 ? 3 : 4;
    out << "| " << benchmark << " | " << m.items << " | " << Fixed(m.strong_quality, digits)
        << " | " << Fixed(m.weak_quality, digits) << " | " << Fixed(m.apgr, 3) << " | "
        << Percent(m.cpt20) << " | " << Percent(m.cpt50) << " | " << Percent(m.cpt80) << " | **"
        << Percent(m.share_for_95) << "** | " << Percent(m.random_share_for_95) << " |\n";
  }
}

boost::json::object MetricsJson(const training::RoutingMetrics& m) {
  boost::json::object object;
  object["items"] = m.items;
  object["strong_quality"] = m.strong_quality;
  object["weak_quality"] = m.weak_quality;
  object["apgr"] = m.apgr;
  object["cpt20"] = m.cpt20;
  object["cpt50"] = m.cpt50;
  object["cpt80"] = m.cpt80;
  object["share_for_95"] = m.share_for_95;
  object["random_share_for_95"] = m.random_share_for_95;
  boost::json::array curve;
  for (const training::OperatingPoint& point : m.curve) {
    curve.push_back(boost::json::object{{"threshold", point.threshold},
                                        {"strong_share", point.strong_share},
                                        {"quality", point.quality}});
  }
  object["curve"] = std::move(curve);
  return object;
}

training::StrongWeakTrainOptions OptionsOf(const TrainStrongArgs& args) {
  training::StrongWeakTrainOptions options;
  options.seed = args.seed;
  if (args.epochs > 0) {
    options.epochs = args.epochs;
  }
  if (args.learning_rate > 0.0) {
    options.learning_rate = args.learning_rate;
  }
  if (args.hash_bits > 0) {
    options.hash_bits = args.hash_bits;
  }
  return options;
}

// k-fold cross-validation on the training items: fold of an item by its index modulo k
// after a seeded shuffle; every item is scored by the model not trained on its fold.
Status CrossValidate(const std::vector<training::RoutingItem>& items,
                     const training::StrongWeakTrainOptions& options, int folds,
                     std::ostream& out) {
  std::vector<std::size_t> order = training::Iota(items.size());
  training::SplitMix64 random(options.seed ^ 0x5eed);
  training::Shuffle(order, random);
  std::vector<double> scores(items.size(), 0.5);
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<training::RoutingItem> train_items;
    std::vector<std::size_t> held_out;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (static_cast<int>(k % static_cast<std::size_t>(folds)) == fold) {
        held_out.push_back(order[k]);
      } else {
        train_items.push_back(items[order[k]]);
      }
    }
    Result<routing::StrongWeakWeights> weights = training::TrainStrongWeak(train_items, options);
    if (!weights) {
      return weights.error();
    }
    const auto model = routing::StrongWeakModel::FromWeights(std::move(*weights));
    for (const std::size_t i : held_out) {
      scores[i] = model->Predict(items[i].prompt);
    }
  }
  out << folds << "-fold cross-validation on " << items.size() << " training items (epochs "
      << options.epochs << ", step " << options.learning_rate << ", hash bits " << options.hash_bits
      << ")\n";
  PrintMetricsTable(MetricsByBenchmark(items, scores, 10), out);
  return {};
}

// Returns the text of a JSONL row for calibration: text, prompt, or the first turn.
std::string RowText(const boost::json::object& row) {
  for (const char* key : {"text", "prompt"}) {
    if (const boost::json::value* value = row.if_contains(key); value && value->is_string()) {
      return std::string(value->get_string());
    }
  }
  if (const boost::json::value* turns = row.if_contains("turns");
      turns && turns->is_array() && !turns->get_array().empty()
      && turns->get_array()[0].is_string()) {
    return std::string(turns->get_array()[0].get_string());
  }
  return {};
}

}  // namespace

Status RunTrainStrong(const TrainStrongArgs& args, std::ostream& out) {
  Result<std::vector<training::RoutingItem>> items = ReadItems(args.data, args.mtbench_questions);
  if (!items) {
    return items.error();
  }
  std::vector<std::string> exclude = args.exclude;
  if (!args.mtbench_questions.empty()) {
    exclude.push_back(args.mtbench_questions);
  }
  Result<std::unordered_set<std::string>> keys = training::EvaluationKeys(exclude);
  if (!keys) {
    return keys.error();
  }
  std::vector<training::RoutingItem> train_items;
  for (training::RoutingItem& item : *items) {
    if (training::IsRoutingTrainItem(item)) {
      train_items.push_back(std::move(item));
    } else {
      keys->insert(training::OverlapKey(item.prompt));
    }
  }
  const std::size_t candidates = train_items.size();
  const std::size_t dropped = training::DropOverlapping(
      train_items, *keys,
      [](const training::RoutingItem& item) -> const std::string& { return item.prompt; });
  out << "training items: " << candidates << "; dropped " << dropped
      << " whose text is an evaluation item; training on " << train_items.size() << "\n";

  const training::StrongWeakTrainOptions options = OptionsOf(args);
  if (args.folds > 1) {
    return CrossValidate(train_items, options, args.folds, out);
  }
  if (args.out.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--out is required unless --folds is given");
  }
  Result<routing::StrongWeakWeights> weights = training::TrainStrongWeak(train_items, options);
  if (!weights) {
    return weights.error();
  }
  const std::string bytes = routing::SerializeStrongWeakWeights(*weights);
  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    return Fail(ErrorCode::kUnavailable, "cannot write " + args.out);
  }
  out << "wrote " << args.out << " (" << bytes.size() << " bytes, sha256 "
      << routing::StrongWeakHashHex(*weights).substr(0, 12) << ")\n";
  return {};
}

Status RunEvalStrong(const EvalStrongArgs& args, std::ostream& out) {
  Result<std::vector<training::RoutingItem>> all = ReadItems(args.data, args.mtbench_questions);
  if (!all) {
    return all.error();
  }
  Result<std::unique_ptr<routing::StrongWeakModel>> model = LoadModel(args.model);
  if (!model) {
    return model.error();
  }
  std::vector<training::RoutingItem> items;
  std::vector<double> scores;
  for (training::RoutingItem& item : *all) {
    if (!training::IsRoutingTrainItem(item)) {
      scores.push_back((*model)->Predict(item.prompt));
      items.push_back(std::move(item));
    }
  }
  if (items.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no evaluation items in --data");
  }
  if (!args.predictions.empty()) {
    std::ofstream file(args.predictions, std::ios::trunc);
    for (std::size_t i = 0; i < items.size(); ++i) {
      file << boost::json::serialize(boost::json::object{
          {"id", items[i].id}, {"benchmark", items[i].benchmark}, {"p_strong", scores[i]}})
           << "\n";
    }
    file.close();
    if (!file) {
      return Fail(ErrorCode::kUnavailable, "cannot write " + args.predictions);
    }
  }
  const auto metrics = MetricsByBenchmark(items, scores, args.bins);
  if (args.json) {
    boost::json::object report;
    report["model"] = (*model)->version();
    report["bins"] = args.bins;
    boost::json::object benchmarks;
    for (const auto& [benchmark, m] : metrics) {
      benchmarks[benchmark] = MetricsJson(m);
    }
    report["benchmarks"] = std::move(benchmarks);
    out << boost::json::serialize(report) << "\n";
    return {};
  }
  out << "model " << (*model)->version() << " on " << items.size()
      << " evaluation items; thresholds at " << args.bins << " score quantiles\n";
  PrintMetricsTable(metrics, out);
  if (args.bootstrap > 0) {
    out << "\n90 % bootstrap interval (" << args.bootstrap
        << " resamples) of the strong calls for 95 %:\n";
    for (const auto& [benchmark, m] : metrics) {
      const auto [low, high] =
          BootstrapShareFor95(items, scores, benchmark, args.bins, args.bootstrap);
      out << "  " << benchmark << ": " << Percent(low) << " .. " << Percent(high) << "\n";
    }
  }
  return {};
}

Status RunCalibrate(const CalibrateArgs& args, std::ostream& out) {
  if (args.target_share < 0.0 || args.target_share > 1.0) {
    return Fail(ErrorCode::kInvalidArgument, "--target-share must be within 0..1");
  }
  Result<std::unique_ptr<routing::StrongWeakModel>> model = LoadModel(args.model);
  if (!model) {
    return model.error();
  }
  std::vector<double> scores;
  for (const std::string& path : args.data) {
    std::ifstream file(path);
    if (!file) {
      return Fail(ErrorCode::kNotFound, "cannot open " + path);
    }
    std::string line;
    while (std::getline(file, line)) {
      boost::system::error_code error;
      const boost::json::value value = boost::json::parse(line, error);
      if (error || !value.is_object()) {
        continue;
      }
      const std::string text = RowText(value.get_object());
      if (!text.empty()) {
        scores.push_back((*model)->Predict(text));
      }
    }
  }
  if (scores.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "no queries (rows with text, prompt or turns) in --data");
  }
  // Printed with 9 decimals, rounded down so that the query at the quantile still qualifies.
  const double threshold =
      std::floor(training::ThresholdForShare(scores, args.target_share) * 1e9) / 1e9;
  std::size_t strong = 0;
  for (const double score : scores) {
    strong += score >= threshold ? 1 : 0;
  }
  out << "model " << (*model)->version() << " on " << scores.size() << " queries\n"
      << "threshold " << Fixed(threshold, 9) << " sends "
      << Percent(static_cast<double>(strong) / static_cast<double>(scores.size()))
      << " to the strong model (target " << Percent(args.target_share) << ")\n"
      << "router:\n  strong_weak:\n    threshold: " << Fixed(threshold, 9) << "\n";
  return {};
}

void AddStrongWeakCommands(CLI::App& router) {
  auto train_args = std::make_shared<TrainStrongArgs>();
  CLI::App* train =
      router.add_subcommand("train-strong", "Train the strong-vs-weak router from outcomes");
  train->add_option("--data", train_args->data, "Routing correctness / judgement JSONL files")
      ->required();
  train->add_option("--mtbench-questions", train_args->mtbench_questions,
                    "MT-bench questions JSONL (for judgement files)");
  train->add_option("--exclude", train_args->exclude,
                    "More files whose evaluation items must not be trained on");
  train->add_option("--out", train_args->out, "Weights file to write");
  train->add_option("--seed", train_args->seed, "Shuffle seed")->capture_default_str();
  train->add_option("--epochs", train_args->epochs, "Epochs (default: trainer's)");
  train->add_option("--learning-rate", train_args->learning_rate, "AdaGrad step");
  train->add_option("--hash-bits", train_args->hash_bits, "Hashed n-gram buckets (log2)");
  train->add_option("--folds", train_args->folds,
                    "Cross-validate with this many folds on the training items; write nothing");
  train->callback(
      [train_args] { RunOrExit([&] { return RunTrainStrong(*train_args, std::cout); }); });

  auto eval_args = std::make_shared<EvalStrongArgs>();
  CLI::App* eval =
      router.add_subcommand("eval-strong", "Evaluate the strong-vs-weak router (RouteLLM metrics)");
  eval->add_option("--data", eval_args->data, "Routing correctness / judgement JSONL files")
      ->required();
  eval->add_option("--mtbench-questions", eval_args->mtbench_questions,
                   "MT-bench questions JSONL (for judgement files)");
  eval->add_option("--model", eval_args->model, "Weights file (default: built-in)");
  eval->add_option("--predictions", eval_args->predictions,
                   "Write id, benchmark, p_strong per evaluation item (JSONL)");
  eval->add_option("--bins", eval_args->bins, "Score quantile bins")->capture_default_str();
  eval->add_option("--bootstrap", eval_args->bootstrap,
                   "Resamples for a 90 % interval of the 95 %-quality share (0: none)");
  eval->add_flag("--json", eval_args->json, "Print JSON instead of a table");
  eval->callback([eval_args] { RunOrExit([&] { return RunEvalStrong(*eval_args, std::cout); }); });

  auto calibrate_args = std::make_shared<CalibrateArgs>();
  CLI::App* calibrate = router.add_subcommand(
      "calibrate", "Pick the strong-vs-weak threshold for a target share of strong calls");
  calibrate->add_option("--data", calibrate_args->data, "JSONL queries (text, prompt or turns)")
      ->required();
  calibrate->add_option("--model", calibrate_args->model, "Weights file (default: built-in)");
  calibrate
      ->add_option("--target-share", calibrate_args->target_share,
                   "Share of queries for the strong model, 0..1")
      ->capture_default_str();
  calibrate->callback(
      [calibrate_args] { RunOrExit([&] { return RunCalibrate(*calibrate_args, std::cout); }); });
}

}  // namespace amaima::cli
