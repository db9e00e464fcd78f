#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "amaima/core/result.h"
#include "amaima/storage/decision_store.h"

namespace amaima::api {

// A parsed POST /v1/feedback body: {"decision_id", "correct_level"?, "rating"?, "comment"?}.
struct FeedbackRequest {
  std::string decision_id{};
  std::optional<std::string> correct_level{};
  std::optional<int> rating{};
  std::optional<std::string> comment{};
};

// Parses and validates a feedback body. `null` counts as absent; unknown fields are ignored.
// Errors are kInvalidArgument naming the field in details.field: VALIDATION_INVALID_JSON
// (malformed body), VALIDATION_INVALID_TYPE ("$" not an object, a field of the wrong JSON type,
// a rating that is not an integer), VALIDATION_MISSING_FIELD (no decision_id; neither
// correct_level nor rating), VALIDATION_INVALID_VALUE (decision_id not a UUID, unknown level,
// rating outside 1..5, comment over storage::kMaxFeedbackCommentBytes bytes).
Result<FeedbackRequest> ParseFeedbackRequest(std::string_view body);

// Returns the wire form of one stored feedback row: {"feedback_id", "decision_id", "org_id",
// "correct_level", "rating", "comment", "created_at"} (absent values are null).
boost::json::object FeedbackToJson(const storage::StoredFeedback& feedback);

// Returns the JSON array of `feedback`, in order.
boost::json::array FeedbackListToJson(const std::vector<storage::StoredFeedback>& feedback);

// Returns `decision_json` (a JSON object as stored) with a "feedback" member holding
// `feedback` appended: what GET /v1/decisions/{id} answers.
std::string DecisionWithFeedback(std::string decision_json,
                                 const std::vector<storage::StoredFeedback>& feedback);

}  // namespace amaima::api
