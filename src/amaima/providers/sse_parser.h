#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amaima::providers {

// One server-sent event (WHATWG HTML, "Server-sent events", event stream interpretation).
struct SseEvent {
  std::string event{};  // empty means "message"
  std::string data{};   // data lines joined with '\n'
  std::string id{};
};

// Incremental parser for a text/event-stream body. Feed it bytes as they arrive, in any
// split; it returns the events completed by those bytes. Lines end in "\r\n", "\n" or "\r";
// comment lines (":" first) are skipped; an event is dispatched at a blank line and only if
// it has data. A line longer than `max_line_bytes` is an error (a runaway upstream).
//
// @par Thread Safety
// Not thread-safe; one parser per stream.
class SseParser {
 public:
  explicit SseParser(std::size_t max_line_bytes = 8 * 1024 * 1024)
      : max_line_bytes_(max_line_bytes) {}

  // Appends the events completed by `bytes` to `out`. Returns false when a line exceeds the
  // limit (the parser is then unusable).
  bool Feed(std::string_view bytes, std::vector<SseEvent>& out);

  // Whether a partial line or event is pending (a stream that ends here was cut).
  bool HasPartial() const { return !line_.empty() || has_data_; }

 private:
  void ProcessLine(std::string_view line, std::vector<SseEvent>& out);

  std::size_t max_line_bytes_;
  std::string line_{};
  bool after_cr_{false};  // the previous byte was '\r' (a following '\n' is part of it)
  SseEvent pending_{};
  bool has_data_{false};
};

// Splits newline-delimited JSON (Ollama's streaming format) into lines as bytes arrive.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes = 8 * 1024 * 1024)
      : max_line_bytes_(max_line_bytes) {}

  // Appends the non-empty lines completed by `bytes` to `out`; false when a line is too long.
  bool Feed(std::string_view bytes, std::vector<std::string>& out);

  // The trailing line without a newline, if any (taken; call at end of stream).
  std::string TakeRest() { return std::exchange(line_, std::string()); }

 private:
  std::size_t max_line_bytes_;
  std::string line_{};
};

}  // namespace amaima::providers
