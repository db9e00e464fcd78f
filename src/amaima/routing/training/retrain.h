#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/level.h"
#include "amaima/routing/training/dataset.h"
#include "amaima/routing/training/evaluation.h"
#include "amaima/routing/training/trainer.h"

namespace amaima::routing::training {

// The family of the rows learned from feedback, in training options and evaluation reports.
inline constexpr std::string_view kFeedbackFamily = "FEEDBACK";

// A user's correction of one decision's level, with the decision's stored query text.
struct FeedbackCorrection {
  std::string decision_id{};
  std::string text{};
  Level correct_level{Level::kModerate};
};

// What a retraining run learns from and is judged on.
struct RetrainInputs {
  std::vector<LabelledQuery> base{};  // The base training rows (already split).
  // Corrections, oldest first; several for one decision: the newest counts.
  std::vector<FeedbackCorrection> feedback{};
  // Corrections that could not be used because their decision has no stored text (reported).
  std::int64_t feedback_skipped_without_text{0};
  std::vector<LabelledQuery> heldout{};  // Held-out rows from files (never trained on).
};

struct RetrainOptions {
  TrainOptions train{};
  // Loss weight of a feedback row relative to a base row (a family weight of kFeedbackFamily).
  double feedback_weight{4.0};
};

// Row counts of a run.
struct RetrainCounts {
  std::size_t base{0};
  std::size_t feedback{0};             // Corrections after keeping the newest per decision.
  std::size_t feedback_superseded{0};  // Older corrections of a decision corrected again.
  std::size_t feedback_train{0};       // Of `feedback`, trained on.
  std::size_t feedback_heldout{0};     // Of `feedback`, held out and evaluated on.
  std::int64_t feedback_skipped_without_text{0};
  std::size_t heldout_files{0};  // Held-out rows from files.
  std::size_t heldout{0};        // All held-out rows: files plus feedback.
};

enum class RetrainVerdict {
  kPromote,    // The candidate is at least as good: it becomes the active model.
  kReject,     // The candidate is worse on a metric of the rule.
  kUnchanged,  // The candidate is the current model (same weights): nothing to promote.
};

// Returns "promoted", "not_promoted" or "unchanged".
std::string_view RetrainVerdictName(RetrainVerdict verdict);

// The promotion rule, stated in every report.
inline constexpr std::string_view kPromotionRule =
    "promote iff, on the same held-out rows, the candidate's macro-F1 is not lower AND its "
    "accuracy is not lower than the current model's";

// One model's results on the held-out rows.
struct ModelResult {
  std::string version{};
  std::string source{};  // Where it came from: "candidate", "registry", "built-in", ...
  EvaluationReport heldout{};
};

struct RetrainResult {
  RetrainCounts counts{};
  double feedback_weight{0.0};
  ModelResult current{};
  ModelResult candidate{};
  std::string candidate_weights{};  // The candidate's weights file bytes.
  RetrainVerdict verdict{RetrainVerdict::kReject};
  std::string reason{};  // Why, with the numbers.
};

// Returns true when the correction of `decision_id` is held out rather than trained on:
// the data README's split rule applied to the decision id (sha256("split:" + id), ~30 % held
// out), so a decision stays on its side across runs.
bool IsHeldOutFeedback(std::string_view decision_id);

// Trains a candidate on the base rows plus the training side of the feedback, evaluates it and
// `current` on the held-out rows plus the held-out side of the feedback, and applies
// kPromotionRule. Writes nothing. `current_source` is recorded in the result. Fails with
// kInvalidArgument when there are no base rows or no held-out rows, or the options are invalid.
// Deterministic: the same inputs and options give the same candidate and verdict.
Result<RetrainResult> Retrain(const RetrainInputs& inputs, const ComplexityClassifier& current,
                              std::string_view current_source, const RetrainOptions& options);

// The report of a run as Markdown and as JSON. `created_at` (RFC 3339) and `active_after` (the
// version active once the run is over) are recorded as given.
std::string RetrainReportMarkdown(const RetrainResult& result, std::string_view created_at,
                                  std::string_view active_after);
std::string RetrainReportJson(const RetrainResult& result, std::string_view created_at,
                              std::string_view active_after);

}  // namespace amaima::routing::training
