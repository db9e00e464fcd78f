#include "amaima/storage/decision_store.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "amaima/core/base64.h"
#include "amaima/core/ids.h"

namespace amaima::storage {
namespace {

// Versions the cursor payload so that its format can change without misreading old cursors.
constexpr std::string_view kCursorPrefix = "d1:";

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

// Decodes unpadded base64url. Returns false on a character outside the alphabet or an
// impossible length.
bool Base64UrlDecode(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) {
    return false;
  }
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = Base64UrlValue(c);
    if (value < 0) {
      return false;
    }
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  return true;
}

bool IsLowerCaseUuid(std::string_view text) {
  if (!IsUuid(text)) {
    return false;
  }
  for (const char c : text) {
    if (c >= 'A' && c <= 'F') {
      return false;
    }
  }
  return true;
}

// The complexity levels (DESIGN.md §5); storage does not link routing, so they are spelled here.
constexpr std::array<std::string_view, 5> kLevelNames = {"TRIVIAL", "SIMPLE", "MODERATE", "COMPLEX",
                                                         "EXPERT"};

}  // namespace

DecisionStore::~DecisionStore() = default;

DecisionStore::BatchOutcome DecisionStore::InsertDecisionsAndExecutions(
    std::span<const StoredDecision> decisions, std::span<const StoredExecution> executions) {
  BatchOutcome outcome;
  outcome.decisions = InsertBatch(decisions);
  outcome.executions = InsertExecutions(executions);
  return outcome;
}

Status ValidateFeedback(const StoredFeedback& feedback) {
  if (!feedback.correct_level.has_value() && !feedback.rating.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD",
                "feedback needs 'correct_level', 'rating' or both")
        .With("field", "correct_level");
  }
  if (feedback.correct_level.has_value()
      && std::find(kLevelNames.begin(), kLevelNames.end(), *feedback.correct_level)
             == kLevelNames.end()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "field 'correct_level' must be one of TRIVIAL, SIMPLE, MODERATE, COMPLEX, EXPERT")
        .With("field", "correct_level");
  }
  if (feedback.rating.has_value() && (*feedback.rating < 1 || *feedback.rating > 5)) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "field 'rating' must be an integer from 1 to 5")
        .With("field", "rating");
  }
  if (feedback.comment.has_value() && feedback.comment->size() > kMaxFeedbackCommentBytes) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "field 'comment' must be at most " + std::to_string(kMaxFeedbackCommentBytes)
                    + " bytes")
        .With("field", "comment");
  }
  return {};
}

std::string EncodeDecisionCursor(std::string_view decision_id) {
  std::string payload(kCursorPrefix);
  payload += decision_id;
  return Base64Encode(payload, Base64Alphabet::kUrl);
}

Result<std::string> DecodeDecisionCursor(std::string_view cursor) {
  std::string payload;
  // Canonical encoding only: re-encoding must give the same text (rejects stray low bits).
  const bool decoded =
      Base64UrlDecode(cursor, payload) && Base64Encode(payload, Base64Alphabet::kUrl) == cursor;
  const std::string_view view = payload;
  if (!decoded || !view.starts_with(kCursorPrefix)
      || !IsLowerCaseUuid(view.substr(kCursorPrefix.size()))) {
    return Fail(ErrorCode::kInvalidArgument, std::string(kInvalidCursorReason),
                "the cursor is malformed; pass next_cursor from the previous page unchanged");
  }
  return payload.substr(kCursorPrefix.size());
}

}  // namespace amaima::storage
