#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amaima::testing {

// One server-sent event: its "event:" name (empty if none) and its "data:" lines
// joined with '\n'.
struct SseEvent {
  std::string event{};
  std::string data{};
};

// Parses a complete text/event-stream body into events, accepting LF, CRLF and CR
// line ends as the SSE specification does. Comment lines (":...") are skipped,
// events without data are dropped, and so is an event not ended by a blank line.
// For reading streamed answers in tests.
std::vector<SseEvent> ParseSse(std::string_view body);

// Splits an NDJSON body into its non-empty lines.
std::vector<std::string> SplitNdjson(std::string_view body);

}  // namespace amaima::testing
