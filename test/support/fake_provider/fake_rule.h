#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::testing {

// A tool call the fake answers with instead of (or after) text.
struct FakeToolCall {
  std::string name{};                // Empty: the first tool the request declares.
  std::string arguments_json{"{}"};  // A JSON object, as text.
  std::string id{};                  // Empty: derived from the request number.
};

// One scripted behaviour of the fake provider. A rule has a filter (path, model,
// which of the matching requests) and an effect (answer, error, faults). Every
// field has a default that means "not set", so a rule states only what it changes.
//
// Filters. A request matches when `path` and `model` match (empty = any). Each rule
// counts the requests that match its filters; the rule applies to matches number
// `nth` .. `nth + times - 1` (1-based; times 0 = no end). The first applicable rule in
// script order wins; a request no rule applies to gets the default echo answer.
struct FakeRule {
  // --- Filters.
  std::string path{};   // Exact request path, or a prefix when it ends with '*'.
  std::string model{};  // Exact model name (from the body, or the Gemini path).
  int nth{1};           // First match (1-based) the rule applies to.
  int times{0};         // Number of matches it applies to; 0 = all from `nth` on.

  // --- Answer.
  int status{200};              // >= 400: a provider-shaped error body instead of an answer.
  std::string error_type{};     // Overrides the provider's error type for `status`.
  std::string error_message{};  // Overrides the default error message.
  std::string retry_after{};    // Sets the Retry-After header (seconds, as text).
  std::vector<std::pair<std::string, std::string>> headers{};  // Extra response headers.
  std::optional<std::string> text{};  // The exact answer text (default: echo).
  int chunks{0};  // Splits the text into this many pieces; 0 = one piece per word.
  std::optional<FakeToolCall> tool_call{};  // Answer with a tool call.
  std::string finish_reason{};  // "stop", "length" or "tool_calls" (mapped per provider).
  int prompt_tokens{-1};        // Usage overrides; -1 = counted from the text.
  int completion_tokens{-1};
  std::optional<std::string> raw_body{};  // Sent verbatim (with `content_type`).
  std::string content_type{};             // For `raw_body`; default application/json.
  int dimensions{0};                      // Embedding size when the request sets none.

  // --- Faults.
  std::chrono::milliseconds delay{0};        // Before the response headers.
  std::chrono::milliseconds chunk_delay{0};  // Between body chunks (slow drip).
  bool reset_before_headers{false};          // Reset the connection, no response at all.
  int reset_after_chunks{-1};            // Reset (TCP RST) after this many body chunks; -1 = never.
  int malformed_after_chunks{-1};        // Insert `malformed_line` after this many chunks.
  std::string malformed_line{};          // Default: an SSE data line with broken JSON.
  int error_after_chunks{-1};            // Send the provider's in-stream error event and end.
  std::size_t oversized_chunk_bytes{0};  // Add one text piece of this many bytes.
  bool hang{false};                      // Never answer; wait until the client goes away.
  int hang_after_chunks{-1};     // Stall after this many body chunks, until the client goes away.
  bool close_connection{false};  // Close (FIN) after the response instead of keep-alive.
};

// The benchmark mode: every chat request gets the same prebuilt answer, and
// requests are counted but not recorded or matched against the script.
struct FixedResponse {
  std::string text{"Hello from the fake provider."};
  int chunks{8};
  std::string model{"fake-model"};
};

// Parses a script: a JSON array of rule objects, or {"rules": [...]}. Field names
// are the FakeRule names above (durations in milliseconds with an `_ms` suffix:
// "delay_ms", "chunk_delay_ms"; "tool_call": {"name", "arguments", "id"} where
// "arguments" is an object or a string; "retry_after" a number or a string;
// "headers" an object). Unknown fields fail with kInvalidArgument.
Result<std::vector<FakeRule>> ParseRules(std::string_view json_text);

// Parses {"text": ..., "chunks": ..., "model": ...} (all optional).
Result<FixedResponse> ParseFixedResponse(std::string_view json_text);

// Returns whether `rule`'s path and model filters accept the request.
bool MatchesFilters(const FakeRule& rule, std::string_view path, std::string_view model);

}  // namespace amaima::testing
