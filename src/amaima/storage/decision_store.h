#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::storage {

// One routing decision as recorded (DESIGN.md §4). The indexed fields are copied out of the
// decision so that lists can be filtered without parsing JSON; `body_json` is the authority.
struct StoredDecision {
  std::string decision_id{};      // UUIDv7, canonical lower-case form; sorts by creation time.
  std::int64_t created_at_ms{0};  // Milliseconds since the Unix epoch.
  std::string request_id{};
  std::string org_id{};
  std::string level{};  // TRIVIAL | SIMPLE | MODERATE | COMPLEX | EXPERT
  std::string model{};
  std::string provider{};
  std::string query_hash{};
  std::string execution_mode{};  // "decision-only" | "execution-enabled"
  bool simulated{true};
  std::string decision_schema_version{};
  std::string router_model_version{};
  std::string body_json{};  // The complete decision JSON as answered to the client.
  std::optional<std::string> prompt_text{};  // Only when telemetry.store_prompts is on.
  std::string actor{};  // Who asked: Principal::Subject(); "" for records before it was kept.

  friend bool operator==(const StoredDecision&, const StoredDecision&) = default;
};

// One executed request (DESIGN.md §3, OnComplete): which model served which decision, what it
// used and cost, and how it ended. Written after the answer, through DecisionWriter::Post().
struct StoredExecution {
  std::string request_id{};  // Primary key: one execution per request.
  std::string decision_id{};
  std::int64_t created_at_ms{0};  // When the execution ended, milliseconds since the Unix epoch.
  std::string org_id{};
  std::string surface{};  // "chat.completions" | "query" | "execute" | "messages" | "ws"
  std::string model{};    // The catalog model that served (empty when none did).
  std::string provider{};
  bool streamed{false};
  std::string status{};      // "ok" | "error" | "cancelled"
  std::string error_code{};  // The error reason when status is "error".
  std::int64_t prompt_tokens{0};
  std::int64_t completion_tokens{0};
  bool usage_estimated{false};  // The upstream reported no usage; the counts are estimates.
  double cost_usd{0.0};
  double upstream_ms{0.0};  // Time waiting on the provider.
  double total_ms{0.0};     // From the request's arrival to the execution's end.
  int attempts{0};          // Upstream tries, fallbacks included.
  std::string actor{};      // Who asked: Principal::Subject() ("key:<id>", "user:<id>").

  friend bool operator==(const StoredExecution&, const StoredExecution&) = default;
};

// One piece of feedback on a decision (DESIGN.md §5): the level the decision should have had,
// a rating of the answer, or both, with an optional comment. Posted by POST /v1/feedback.
struct StoredFeedback {
  std::string feedback_id{};  // UUIDv7, canonical lower-case form; sorts by creation time.
  std::string decision_id{};  // The decision it is about; must exist in the store.
  std::string org_id{};       // The decision's organisation.
  std::optional<std::string> correct_level{};  // TRIVIAL | SIMPLE | MODERATE | COMPLEX | EXPERT
  std::optional<int> rating{};                 // 1..5
  std::optional<std::string> comment{};        // At most kMaxFeedbackCommentBytes bytes.
  std::int64_t created_at_ms{0};               // Milliseconds since the Unix epoch.

  friend bool operator==(const StoredFeedback&, const StoredFeedback&) = default;
};

// A comment longer than this (in UTF-8 bytes) is refused.
inline constexpr std::size_t kMaxFeedbackCommentBytes = 4000;

// One labelled query learned from feedback: the stored prompt of a decision and the level a
// user said it should have had.
struct FeedbackSample {
  std::string feedback_id{};
  std::string decision_id{};
  std::string text{};              // The decision's stored prompt text.
  std::string correct_level{};     // From the feedback.
  std::string classified_level{};  // What the classifier said (decision's complexity.level);
                                   // empty when the stored decision does not record it.
  std::int64_t created_at_ms{0};   // When the feedback was given.

  friend bool operator==(const FeedbackSample&, const FeedbackSample&) = default;
};

// What ListFeedbackSamples() answers.
struct FeedbackSamples {
  std::vector<FeedbackSample> samples{};  // Oldest feedback first.
  // Feedback rows with a correct_level whose decision has no stored prompt text
  // (telemetry.store_prompts was off when it was decided): they cannot be learned from.
  std::int64_t skipped_without_text{0};
};

// Returns kInvalidArgument (reason VALIDATION_INVALID_VALUE or VALIDATION_MISSING_FIELD, with
// details.field) unless `feedback` has a valid level or rating, a rating in 1..5 and a comment
// of at most kMaxFeedbackCommentBytes. Shared by all implementations and the API.
Status ValidateFeedback(const StoredFeedback& feedback);

// One page of a List() answer, newest first.
struct DecisionPage {
  std::vector<StoredDecision> items{};
  std::string next_cursor{};  // Pass to List() for the next page; empty on the last page.
};

// Restricts List() to decisions whose fields equal the given values; an empty field matches any.
struct DecisionFilter {
  std::string org_id{};
  std::string level{};
  std::string model{};
  std::string actor{};  // Principal::Subject() of the caller who asked.
};

// List() clamps its limit to [1, kMaxDecisionListLimit].
inline constexpr int kMaxDecisionListLimit = 500;

// Durable record of routing decisions: written in batches by DecisionWriter, read back by
// GET /v1/decisions{,/{id}}; with the executions and the feedback that belong to them.
// Implementations: sqlite/SqliteDecisionStore (and later postgres/).
//
// All methods block on disk or network I/O: call them from a blocking thread pool
// (RunBlocking) or from DecisionWriter's thread, never from an I/O thread.
//
// @par Thread Safety
// Implementations are thread-safe: any method may be called from several threads at once.
//
// @par Ownership
// Arguments are borrowed for the duration of the call only; results are owned by the caller.
class DecisionStore {
 public:
  DecisionStore() = default;
  DecisionStore(const DecisionStore&) = delete;
  DecisionStore& operator=(const DecisionStore&) = delete;
  DecisionStore(DecisionStore&&) = delete;
  DecisionStore& operator=(DecisionStore&&) = delete;
  virtual ~DecisionStore();

  // Inserts every record of `batch` in one transaction: all of them or none. An empty batch
  // succeeds. A decision_id that already exists (in the store or twice in the batch) fails the
  // whole batch with kAlreadyExists; storage failures give kUnavailable or kInternal.
  virtual Status InsertBatch(std::span<const StoredDecision> batch) = 0;

  // Returns the decision with `decision_id`, or kNotFound.
  virtual Result<StoredDecision> Get(std::string_view decision_id) = 0;

  // Returns up to `limit` decisions matching `filter`, newest first (decision_id descending),
  // starting after `cursor` (empty for the first page). Pagination is by key, so inserts between
  // calls neither duplicate nor skip older decisions. `limit` is clamped to
  // [1, kMaxDecisionListLimit]. A cursor this store did not produce fails with kInvalidArgument
  // and reason "VALIDATION_INVALID_CURSOR".
  virtual Result<DecisionPage> List(const DecisionFilter& filter, int limit,
                                    std::string_view cursor) = 0;

  // Inserts every execution of `batch` in one transaction: all of them or none. A request_id
  // that already exists fails the whole batch with kAlreadyExists.
  virtual Status InsertExecutions(std::span<const StoredExecution> batch) = 0;

  // Returns the executions of `decision_id`, oldest first (empty when there are none).
  virtual Result<std::vector<StoredExecution>> ListExecutions(std::string_view decision_id) = 0;

  // What InsertDecisionsAndExecutions() did with each part.
  struct BatchOutcome {
    Status decisions;
    Status executions;
  };

  // InsertBatch(decisions) then InsertExecutions(executions), each part all or none with the
  // errors of those methods, and one failing leaving the other stored. A store that can
  // writes both parts in one transaction (one commit for the writer's two queues); this
  // default calls the two methods in turn.
  virtual BatchOutcome InsertDecisionsAndExecutions(std::span<const StoredDecision> decisions,
                                                    std::span<const StoredExecution> executions);

  // Inserts one feedback row. Fails with kNotFound if its decision does not exist,
  // kAlreadyExists if its feedback_id does, kInvalidArgument if ValidateFeedback() fails.
  virtual Status InsertFeedback(const StoredFeedback& feedback) = 0;

  // Returns the feedback on `decision_id`, oldest first (empty when there is none).
  virtual Result<std::vector<StoredFeedback>> ListFeedback(std::string_view decision_id) = 0;

  // Returns every feedback row that has a correct_level and whose decision has a stored prompt
  // text, oldest first, and counts the rows with a level that were skipped for lack of text.
  // All of them, across organisations: this is the input of `amaima router retrain`.
  virtual Result<FeedbackSamples> ListFeedbackSamples() = 0;

  // Runs a trivial query to show that the store is reachable (readiness probe).
  virtual Status Ping() = 0;
};

// The reason of the error returned for a malformed cursor.
inline constexpr std::string_view kInvalidCursorReason = "VALIDATION_INVALID_CURSOR";

// Returns the opaque List() cursor that resumes after `decision_id` (base64url, no padding).
// Shared by all implementations, which page on decision_id.
std::string EncodeDecisionCursor(std::string_view decision_id);

// Returns the decision_id inside `cursor`, or kInvalidArgument with reason
// "VALIDATION_INVALID_CURSOR" if `cursor` was not made by EncodeDecisionCursor.
Result<std::string> DecodeDecisionCursor(std::string_view cursor);

}  // namespace amaima::storage
