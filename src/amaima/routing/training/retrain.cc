#include "amaima/routing/training/retrain.h"

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/routing/complexity_model.h"

namespace amaima::routing::training {
namespace {

namespace json = boost::json;

// Keeps the newest correction of each decision (input is oldest first), in input order.
std::vector<FeedbackCorrection> NewestPerDecision(const std::vector<FeedbackCorrection>& all) {
  std::map<std::string_view, std::size_t> newest;
  for (std::size_t i = 0; i < all.size(); ++i) {
    newest[all[i].decision_id] = i;
  }
  std::vector<FeedbackCorrection> out;
  out.reserve(newest.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (newest[all[i].decision_id] == i) {
      out.push_back(all[i]);
    }
  }
  return out;
}

LabelledQuery AsRow(const FeedbackCorrection& correction) {
  LabelledQuery row;
  row.id = "feedback:" + correction.decision_id;
  row.text = correction.text;
  row.level = correction.correct_level;
  row.family = std::string(kFeedbackFamily);
  row.source = "feedback";
  return row;
}

EvaluationReport EvaluateModel(const std::vector<LabelledQuery>& rows,
                               const ComplexityClassifier& model) {
  return Evaluate(rows, [&model](std::string_view text) { return model.Classify(text).level; });
}

std::string Number(double value) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.4f", value);
  return text.data();
}

// Applies kPromotionRule; returns the verdict and why.
std::pair<RetrainVerdict, std::string> Judge(const RetrainResult& result) {
  if (result.candidate.version == result.current.version) {
    return {RetrainVerdict::kUnchanged, "the candidate has the same weights as the current model ("
                                            + result.current.version + ")"};
  }
  const Metrics& candidate = result.candidate.heldout.overall;
  const Metrics& current = result.current.heldout.overall;
  const std::string numbers = "macro-F1 " + Number(candidate.macro_f1) + " vs "
                              + Number(current.macro_f1) + ", accuracy "
                              + Number(candidate.accuracy) + " vs " + Number(current.accuracy)
                              + " on " + std::to_string(current.count) + " held-out rows";
  std::string worse;
  if (candidate.macro_f1 < current.macro_f1) {
    worse = "macro-F1";
  }
  if (candidate.accuracy < current.accuracy) {
    worse += worse.empty() ? "accuracy" : " and accuracy";
  }
  if (!worse.empty()) {
    const std::string verb = worse.find(" and ") == std::string::npos ? " is" : " are";
    return {RetrainVerdict::kReject, "the candidate's " + worse + verb + " lower: " + numbers};
  }
  return {RetrainVerdict::kPromote, "the candidate is at least as good: " + numbers};
}

json::object ModelJson(const ModelResult& model) {
  json::object families;
  for (const auto& [family, metrics] : model.heldout.per_family) {
    families[family] = MetricsToJson(metrics);
  }
  return {{"version", model.version},
          {"source", model.source},
          {"heldout", MetricsToJson(model.heldout.overall)},
          {"heldout_per_family", std::move(families)}};
}

std::string MetricsRow(std::string_view name, const Metrics& metrics) {
  std::array<char, 200> line{};
  std::snprintf(line.data(), line.size(), "| %.*s | %zu | %.4f | %.4f | %.4f | %.4f |\n",
                static_cast<int>(name.size()), name.data(), metrics.count, metrics.accuracy,
                metrics.macro_f1, metrics.within_one, metrics.spearman);
  return line.data();
}

// Returns the metrics of `family` in `report`, or empty metrics.
Metrics FamilyMetrics(const EvaluationReport& report, std::string_view family) {
  for (const auto& [name, metrics] : report.per_family) {
    if (name == family) {
      return metrics;
    }
  }
  return {};
}

}  // namespace

std::string_view RetrainVerdictName(RetrainVerdict verdict) {
  switch (verdict) {
    case RetrainVerdict::kPromote:
      return "promoted";
    case RetrainVerdict::kReject:
      return "not_promoted";
    case RetrainVerdict::kUnchanged:
      return "unchanged";
  }
  return "not_promoted";
}

bool IsHeldOutFeedback(std::string_view decision_id) {
  return InSplit(decision_id, Split::kDev);
}

Result<RetrainResult> Retrain(const RetrainInputs& inputs, const ComplexityClassifier& current,
                              std::string_view current_source, const RetrainOptions& options) {
  if (inputs.base.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no base training rows");
  }
  if (!(options.feedback_weight > 0.0)) {
    return Fail(ErrorCode::kInvalidArgument, "the feedback weight must be greater than 0");
  }
  RetrainResult result;
  result.feedback_weight = options.feedback_weight;
  RetrainCounts& counts = result.counts;
  counts.base = inputs.base.size();
  counts.feedback_skipped_without_text = inputs.feedback_skipped_without_text;
  counts.heldout_files = inputs.heldout.size();

  const std::vector<FeedbackCorrection> feedback = NewestPerDecision(inputs.feedback);
  counts.feedback = feedback.size();
  counts.feedback_superseded = inputs.feedback.size() - feedback.size();
  std::vector<LabelledQuery> train_rows = inputs.base;
  std::vector<LabelledQuery> heldout_rows = inputs.heldout;
  for (const FeedbackCorrection& correction : feedback) {
    if (IsHeldOutFeedback(correction.decision_id)) {
      heldout_rows.push_back(AsRow(correction));
      ++counts.feedback_heldout;
    } else {
      train_rows.push_back(AsRow(correction));
      ++counts.feedback_train;
    }
  }
  counts.heldout = heldout_rows.size();
  if (heldout_rows.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "no held-out rows: give --heldout files with rows of the held-out split (or "
                "wait for more feedback)");
  }

  TrainOptions train = options.train;
  train.family_weights.emplace_back(std::string(kFeedbackFamily), options.feedback_weight);
  Result<ModelWeights> weights = Train(train_rows, train);
  if (!weights) {
    return weights.error();
  }
  result.candidate_weights = SerializeModel(*weights);
  Result<std::unique_ptr<ComplexityClassifier>> candidate =
      ComplexityClassifier::FromBytes(result.candidate_weights);
  if (!candidate) {
    return candidate.error();  // A trainer bug: its own output does not load.
  }

  result.current.version = current.version();
  result.current.source = std::string(current_source);
  result.current.heldout = EvaluateModel(heldout_rows, current);
  result.candidate.version = (*candidate)->version();
  result.candidate.source = "candidate";
  result.candidate.heldout = EvaluateModel(heldout_rows, **candidate);
  auto [verdict, reason] = Judge(result);
  result.verdict = verdict;
  result.reason = std::move(reason);
  return result;
}

std::string RetrainReportJson(const RetrainResult& result, std::string_view created_at,
                              std::string_view active_after) {
  const RetrainCounts& c = result.counts;
  const json::object rows{
      {"base", static_cast<std::uint64_t>(c.base)},
      {"feedback", static_cast<std::uint64_t>(c.feedback)},
      {"feedback_used_for_training", static_cast<std::uint64_t>(c.feedback_train)},
      {"feedback_heldout", static_cast<std::uint64_t>(c.feedback_heldout)},
      {"feedback_superseded", static_cast<std::uint64_t>(c.feedback_superseded)},
      {"feedback_skipped_without_text", c.feedback_skipped_without_text},
      {"heldout_files", static_cast<std::uint64_t>(c.heldout_files)},
      {"heldout", static_cast<std::uint64_t>(c.heldout)},
  };
  const json::object report{
      {"created_at", created_at},
      {"verdict", RetrainVerdictName(result.verdict)},
      {"reason", result.reason},
      {"rule", kPromotionRule},
      {"feedback_weight", result.feedback_weight},
      {"rows", rows},
      {"current", ModelJson(result.current)},
      {"candidate", ModelJson(result.candidate)},
      {"active_after", active_after},
  };
  return json::serialize(report) + "\n";
}

std::string RetrainReportMarkdown(const RetrainResult& result, std::string_view created_at,
                                  std::string_view active_after) {
  const RetrainCounts& c = result.counts;
  std::string md = "# Router retrain report\n\n";
  md += "- created: " + std::string(created_at) + "\n";
  md += "- verdict: **" + std::string(RetrainVerdictName(result.verdict)) + "** — " + result.reason
        + "\n";
  md += "- rule: " + std::string(kPromotionRule) + "\n";
  md += "- current model: `" + result.current.version + "` (" + result.current.source + ")\n";
  md += "- candidate model: `" + result.candidate.version + "`\n";
  md += "- active after this run: `" + std::string(active_after) + "`\n\n";
  md += "## Rows\n\n| rows | count |\n|---|---|\n";
  md += "| base (training) | " + std::to_string(c.base) + " |\n";
  md += "| feedback with text (newest per decision) | " + std::to_string(c.feedback) + " |\n";
  md += "| feedback used for training | " + std::to_string(c.feedback_train) + " |\n";
  md += "| feedback held out | " + std::to_string(c.feedback_heldout) + " |\n";
  md += "| feedback superseded by a newer correction | " + std::to_string(c.feedback_superseded)
        + " |\n";
  md += "| feedback skipped without stored text | "
        + std::to_string(c.feedback_skipped_without_text) + " |\n";
  md += "| held-out rows from files | " + std::to_string(c.heldout_files) + " |\n";
  md += "| held-out rows in all | " + std::to_string(c.heldout) + " |\n\n";
  md += "Feedback weight: " + Number(result.feedback_weight) + "\n\n";
  md +=
      "## Held-out metrics\n\n| model | rows | accuracy | macro-F1 | within-one | Spearman |\n"
      "|---|---|---|---|---|---|\n";
  md += MetricsRow("current", result.current.heldout.overall);
  md += MetricsRow("candidate", result.candidate.heldout.overall);
  const Metrics current_feedback = FamilyMetrics(result.current.heldout, kFeedbackFamily);
  if (current_feedback.count > 0) {
    md += MetricsRow("current, feedback rows", current_feedback);
    md += MetricsRow("candidate, feedback rows",
                     FamilyMetrics(result.candidate.heldout, kFeedbackFamily));
  }
  return md;
}

}  // namespace amaima::routing::training
