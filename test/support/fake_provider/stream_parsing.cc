#include "test/support/fake_provider/stream_parsing.h"

namespace amaima::testing {

namespace {

// Reads one line from `text` at `pos`; advances `pos` past its line end.
std::string_view NextLine(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && text[pos] != '\n' && text[pos] != '\r') {
    ++pos;
  }
  const std::string_view line = text.substr(start, pos - start);
  if (pos < text.size() && text[pos] == '\r') {
    ++pos;
  }
  if (pos < text.size() && text[pos] == '\n') {
    ++pos;
  }
  return line;
}

}  // namespace

std::vector<SseEvent> ParseSse(std::string_view body) {
  std::vector<SseEvent> events;
  SseEvent current;
  bool has_data = false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::string_view line = NextLine(body, pos);
    if (line.empty()) {
      if (has_data) {
        events.push_back(std::move(current));
      }
      current = SseEvent{};
      has_data = false;
      continue;
    }
    if (line.front() == ':') {
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    if (field == "event") {
      current.event = std::string(value);
    } else if (field == "data") {
      if (has_data) {
        current.data += '\n';
      }
      current.data += value;
      has_data = true;
    }
  }
  // As the specification says, an event the stream ends in the middle of is not
  // dispatched: a missing blank line after the last event shows up in tests.
  return events;
}

std::vector<std::string> SplitNdjson(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::string_view line = NextLine(body, pos);
    if (!line.empty()) {
      lines.emplace_back(line);
    }
  }
  return lines;
}

}  // namespace amaima::testing
