#include "amaima/api/v1/feedback_json.h"

#include <chrono>
#include <cstdint>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"

namespace amaima::api {
namespace {

namespace json = boost::json;

// Returns the member `key` of `object`, or nullptr when it is absent or null.
const json::value* Present(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

// Reads "rating": an integer (1.0 is not one: JSON numbers with a fraction or exponent are
// refused), range-checked later by storage::ValidateFeedback.
Result<int> ReadRating(const json::value& value) {
  if (value.is_int64()) {
    const std::int64_t rating = value.get_int64();
    // Out-of-range values keep a value that ValidateFeedback refuses.
    return rating < 1 ? 0 : (rating > 5 ? 6 : static_cast<int>(rating));
  }
  if (value.is_uint64()) {
    return 6;  // Above INT64_MAX: out of range.
  }
  return InvalidTypeError("rating", "an integer from 1 to 5");
}

}  // namespace

Result<FeedbackRequest> ParseFeedbackRequest(std::string_view body) {
  Result<json::object> parsed = ParseJsonObjectBody(body);
  if (!parsed) {
    return parsed.error();
  }
  const json::object& object = *parsed;
  FeedbackRequest request;

  const json::value* id = Present(object, "decision_id");
  if (id == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD",
                "request needs 'decision_id'")
        .With("field", "decision_id");
  }
  if (!id->is_string()) {
    return InvalidTypeError("decision_id", "a string");
  }
  if (!IsUuid(id->get_string())) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "field 'decision_id' must be a UUID")
        .With("field", "decision_id");
  }
  request.decision_id = std::string(id->get_string());

  if (const json::value* level = Present(object, "correct_level"); level != nullptr) {
    if (!level->is_string()) {
      return InvalidTypeError("correct_level", "a string");
    }
    request.correct_level = std::string(level->get_string());
  }
  if (const json::value* rating = Present(object, "rating"); rating != nullptr) {
    Result<int> read = ReadRating(*rating);
    if (!read) {
      return read.error();
    }
    request.rating = *read;
  }
  if (const json::value* comment = Present(object, "comment"); comment != nullptr) {
    if (!comment->is_string()) {
      return InvalidTypeError("comment", "a string");
    }
    request.comment = std::string(comment->get_string());
  }

  // The value rules are the store's own, so the API and the schema cannot disagree.
  storage::StoredFeedback check;
  check.correct_level = request.correct_level;
  check.rating = request.rating;
  check.comment = request.comment;
  if (Status valid = storage::ValidateFeedback(check); !valid) {
    return valid.error();
  }
  return request;
}

json::object FeedbackToJson(const storage::StoredFeedback& feedback) {
  const auto optional_string = [](const std::optional<std::string>& text) {
    return text.has_value() ? json::value(*text) : json::value(nullptr);
  };
  return json::object{
      {"feedback_id", feedback.feedback_id},
      {"decision_id", feedback.decision_id},
      {"org_id", feedback.org_id},
      {"correct_level", optional_string(feedback.correct_level)},
      {"rating",
       feedback.rating.has_value() ? json::value(*feedback.rating) : json::value(nullptr)},
      {"comment", optional_string(feedback.comment)},
      {"created_at", FormatRfc3339(std::chrono::system_clock::time_point(
                         std::chrono::milliseconds(feedback.created_at_ms)))},
  };
}

json::array FeedbackListToJson(const std::vector<storage::StoredFeedback>& feedback) {
  json::array items;
  items.reserve(feedback.size());
  for (const storage::StoredFeedback& item : feedback) {
    items.emplace_back(FeedbackToJson(item));
  }
  return items;
}

std::string DecisionWithFeedback(std::string decision_json,
                                 const std::vector<storage::StoredFeedback>& feedback) {
  // Spliced rather than re-serialised, so the decision's bytes stay exactly as recorded.
  while (!decision_json.empty() && (decision_json.back() == ' ' || decision_json.back() == '\n')) {
    decision_json.pop_back();
  }
  if (decision_json.size() < 2 || decision_json.back() != '}') {
    return decision_json;  // Not an object; stored decisions always are.
  }
  decision_json.pop_back();
  if (decision_json.find_last_not_of(" \n") != decision_json.find_first_of('{')) {
    decision_json += ',';  // The object has members already.
  }
  decision_json += R"("feedback":)";
  decision_json += json::serialize(FeedbackListToJson(feedback));
  decision_json += '}';
  return decision_json;
}

}  // namespace amaima::api
