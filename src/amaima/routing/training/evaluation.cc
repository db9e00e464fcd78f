#include "amaima/routing/training/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/routing/features.h"

namespace amaima::routing::training {
namespace {

// Ranks of `values` (1-based), ties given their average rank.
std::vector<double> AverageRanks(const std::vector<int>& values) {
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  std::size_t i = 0;
  while (i < order.size()) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) {
      ++j;
    }
    const double rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    for (std::size_t k = i; k <= j; ++k) {
      ranks[order[k]] = rank;
    }
    i = j + 1;
  }
  return ranks;
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  double mean_x = 0.0;
  double mean_y = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mean_x += x[i] / n;
    mean_y += y[i] / n;
  }
  double covariance = 0.0;
  double variance_x = 0.0;
  double variance_y = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    covariance += (x[i] - mean_x) * (y[i] - mean_y);
    variance_x += (x[i] - mean_x) * (x[i] - mean_x);
    variance_y += (y[i] - mean_y) * (y[i] - mean_y);
  }
  if (variance_x <= 0.0 || variance_y <= 0.0) {
    return 0.0;
  }
  return covariance / std::sqrt(variance_x * variance_y);
}

float Feature(const FeatureValues& values, FeatureId id) {
  return values[static_cast<std::size_t>(id)];
}

boost::json::object ReportToJson(const EvaluationReport& report) {
  boost::json::object families;
  for (const auto& [family, metrics] : report.per_family) {
    families[family] = MetricsToJson(metrics);
  }
  return {{"overall", MetricsToJson(report.overall)}, {"per_family", std::move(families)}};
}

std::string Row(std::string_view name, const Metrics& model, const Metrics& baseline) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "%-10.*s %6zu | %6.3f %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f %6.3f\n",
                static_cast<int>(name.size()), name.data(), model.count, model.accuracy,
                model.macro_f1, model.within_one, model.spearman, baseline.accuracy,
                baseline.macro_f1, baseline.within_one, baseline.spearman);
  return line;
}

}  // namespace

boost::json::object MetricsToJson(const Metrics& metrics) {
  boost::json::array confusion;
  for (const auto& row : metrics.confusion) {
    boost::json::array json_row;
    for (const std::size_t cell : row) {
      json_row.push_back(static_cast<std::uint64_t>(cell));
    }
    confusion.push_back(std::move(json_row));
  }
  return {{"count", static_cast<std::uint64_t>(metrics.count)},
          {"accuracy", metrics.accuracy},
          {"macro_f1", metrics.macro_f1},
          {"within_one", metrics.within_one},
          {"spearman", metrics.spearman},
          {"confusion", std::move(confusion)}};
}

Metrics ComputeMetrics(const std::vector<Level>& truth, const std::vector<Level>& predicted) {
  Metrics metrics;
  metrics.count = std::min(truth.size(), predicted.size());
  if (metrics.count == 0) {
    return metrics;
  }
  std::size_t correct = 0;
  std::size_t near = 0;
  std::vector<int> truth_index(metrics.count);
  std::vector<int> predicted_index(metrics.count);
  for (std::size_t i = 0; i < metrics.count; ++i) {
    truth_index[i] = LevelIndex(truth[i]);
    predicted_index[i] = LevelIndex(predicted[i]);
    ++metrics.confusion[truth_index[i]][predicted_index[i]];
    correct += truth_index[i] == predicted_index[i] ? 1 : 0;
    near += std::abs(truth_index[i] - predicted_index[i]) <= 1 ? 1 : 0;
  }
  const auto n = static_cast<double>(metrics.count);
  metrics.accuracy = static_cast<double>(correct) / n;
  metrics.within_one = static_cast<double>(near) / n;
  double f1_sum = 0.0;
  int present = 0;
  for (int k = 0; k < kLevelCount; ++k) {
    std::size_t true_count = 0;
    std::size_t predicted_count = 0;
    for (int j = 0; j < kLevelCount; ++j) {
      true_count += metrics.confusion[k][j];
      predicted_count += metrics.confusion[j][k];
    }
    if (true_count == 0 && predicted_count == 0) {
      continue;
    }
    ++present;
    const auto hits = static_cast<double>(metrics.confusion[k][k]);
    f1_sum += 2.0 * hits / static_cast<double>(true_count + predicted_count);
  }
  metrics.macro_f1 = present == 0 ? 0.0 : f1_sum / present;
  metrics.spearman = Pearson(AverageRanks(truth_index), AverageRanks(predicted_index));
  return metrics;
}

EvaluationReport Evaluate(const std::vector<LabelledQuery>& rows,
                          const std::function<Level(std::string_view)>& classify) {
  std::vector<Level> truth;
  std::vector<Level> predicted;
  std::vector<std::string> families;
  std::vector<std::pair<std::vector<Level>, std::vector<Level>>> per_family;
  for (const LabelledQuery& row : rows) {
    const Level level = classify(row.text);
    truth.push_back(row.level);
    predicted.push_back(level);
    const auto it = std::find(families.begin(), families.end(), row.family);
    const auto f = static_cast<std::size_t>(it - families.begin());
    if (it == families.end()) {
      families.push_back(row.family);
      per_family.emplace_back();
    }
    per_family[f].first.push_back(row.level);
    per_family[f].second.push_back(level);
  }
  EvaluationReport report;
  report.overall = ComputeMetrics(truth, predicted);
  for (std::size_t f = 0; f < families.size(); ++f) {
    report.per_family.emplace_back(families[f],
                                   ComputeMetrics(per_family[f].first, per_family[f].second));
  }
  return report;
}

Level HeuristicLevel(std::string_view text) {
  FeatureValues values{};
  ComputeFeatures(text, values);
  if (Feature(values, FeatureId::kGreeting) > 0 || Feature(values, FeatureId::kShortQuery) > 0) {
    return Level::kTrivial;
  }
  const int tokens = EstimateTokens(text);
  int points = tokens < 20 ? 1 : tokens < 60 ? 2 : tokens < 150 ? 3 : 4;
  if (Feature(values, FeatureId::kLookup) > 0) {
    points = std::min(points, 1);
  }
  points += Feature(values, FeatureId::kProofRequest) > 0 ? 1 : 0;
  points += Feature(values, FeatureId::kExpertTerms) > 0 ? 1 : 0;
  points += Feature(values, FeatureId::kDesignRequest) > 0 ? 1 : 0;
  points += Feature(values, FeatureId::kMultiPart) > 0 ? 1 : 0;
  points -= Feature(values, FeatureId::kChoices) > 0 ? 1 : 0;  // options inflate length
  return ShiftLevel(Level::kTrivial, points);
}

std::string FormatComparison(const EvaluationReport& model, const EvaluationReport& baseline) {
  std::string out =
      "                  |          model (linear)       |        baseline (heuristic)\n"
      "subset      rows  |  acc    mF1   within spearman|  acc    mF1   within spearman\n";
  out += Row("overall", model.overall, baseline.overall);
  for (std::size_t f = 0; f < model.per_family.size(); ++f) {
    const Metrics& base =
        f < baseline.per_family.size() ? baseline.per_family[f].second : Metrics{};
    out += Row(model.per_family[f].first, model.per_family[f].second, base);
  }
  out += "\nconfusion (model; rows = true, columns = predicted)\n          ";
  for (const Level level : kAllLevels) {
    char cell[16];
    std::snprintf(cell, sizeof(cell), "%9.8s", LevelName(level).data());
    out += cell;
  }
  out += "\n";
  for (const Level level : kAllLevels) {
    char cell[16];
    std::snprintf(cell, sizeof(cell), "%-10.8s", LevelName(level).data());
    out += cell;
    for (const std::size_t count : model.overall.confusion[LevelIndex(level)]) {
      std::snprintf(cell, sizeof(cell), "%9zu", count);
      out += cell;
    }
    out += "\n";
  }
  return out;
}

std::string ComparisonToJson(const EvaluationReport& model, const EvaluationReport& baseline) {
  const boost::json::object document{{"model", ReportToJson(model)},
                                     {"baseline", ReportToJson(baseline)}};
  return boost::json::serialize(document);
}

}  // namespace amaima::routing::training
