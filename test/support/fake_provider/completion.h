#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/fake_provider/chat_request.h"
#include "test/support/fake_provider/fake_rule.h"

namespace amaima::testing {

// A tool call as answered: every field final.
struct PlannedToolCall {
  std::string id{};
  std::string name{};
  std::string arguments_json{"{}"};
  std::vector<std::string> argument_pieces{};  // The streamed fragments of arguments_json.
};

// The answer to one chat request, independent of the dialect it is written in.
// The wire writers (wire_format.h) turn it into bytes.
struct Completion {
  std::string id{};         // Unique per request ("fake-<n>"); dialects add their prefixes.
  std::string model{};      // Echoes the request's model.
  std::int64_t created{0};  // Unix seconds.
  std::vector<std::string> pieces{};  // The answer text in stream order; may be empty.
  std::optional<PlannedToolCall> tool_call{};
  std::string finish_reason{"stop"};  // "stop", "length" or "tool_calls".
  int prompt_tokens{0};
  int completion_tokens{0};
  bool include_usage{false};  // OpenAI streams: the usage chunk before [DONE].

  std::string Text() const;
};

// Plans the answer to `request` under `rule` (null: the default echo answer).
// `sequence` numbers the request (ids); `created` is the timestamp to report.
Completion PlanCompletion(const ChatRequest& request, const FakeRule* rule, std::uint64_t sequence,
                          std::int64_t created);

// Returns the default answer text for `request`: "Echo: <last user text>", or
// that text as a JSON object ({"echo": ...}) in JSON mode.
std::string DefaultAnswer(const ChatRequest& request);

// Splits `text` into `pieces` parts of near-equal size on UTF-8 character
// boundaries; pieces == 0 splits before each space (one piece per word).
std::vector<std::string> SplitText(std::string_view text, int pieces);

}  // namespace amaima::testing
