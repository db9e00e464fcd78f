#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "amaima/routing/level.h"
#include "amaima/routing/training/dataset.h"

namespace amaima::routing::training {

// Agreement between true and predicted levels.
struct Metrics {
  std::size_t count{0};
  double accuracy{0.0};
  double macro_f1{0.0};    // mean F1 over the levels present in truth or prediction
  double within_one{0.0};  // share predicted at most one level away
  double spearman{0.0};    // rank correlation of true and predicted level (ties averaged)
  // confusion[true][predicted]
  std::array<std::array<std::size_t, kLevelCount>, kLevelCount> confusion{};
};

// Returns the metrics of `predicted` against `truth` (same length; empty gives zeros).
Metrics ComputeMetrics(const std::vector<Level>& truth, const std::vector<Level>& predicted);

// Metrics overall and per family (families in order of first appearance).
struct EvaluationReport {
  Metrics overall{};
  std::vector<std::pair<std::string, Metrics>> per_family{};
};

// Classifies every row with `classify` and returns the report.
EvaluationReport Evaluate(const std::vector<LabelledQuery>& rows,
                          const std::function<Level(std::string_view)>& classify);

// The keyword and length baseline the learned model is compared with: a point score
// from the estimated token count plus bumps for proof requests, research vocabulary,
// design requests, LaTeX and multi-part questions, and TRIVIAL for greetings and very
// short queries. No training involved.
Level HeuristicLevel(std::string_view text);

// Returns a plain-text table of `model` and `baseline` side by side (overall and per
// family), followed by the model's confusion matrix.
std::string FormatComparison(const EvaluationReport& model, const EvaluationReport& baseline);

// Returns {"count", "accuracy", "macro_f1", "within_one", "spearman", "confusion"}.
boost::json::object MetricsToJson(const Metrics& metrics);

// Returns the reports as a JSON document: {"model": {...}, "baseline": {...}}.
std::string ComparisonToJson(const EvaluationReport& model, const EvaluationReport& baseline);

}  // namespace amaima::routing::training
