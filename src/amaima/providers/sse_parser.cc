#include "amaima/providers/sse_parser.h"

#include <utility>

namespace amaima::providers {

bool SseParser::Feed(std::string_view bytes, std::vector<SseEvent>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\r' && c != '\n') {
      continue;
    }
    if (c == '\n' && after_cr_ && i == start && line_.empty()) {
      // The '\n' of a "\r\n" split across two feeds, or right after the '\r'.
      after_cr_ = false;
      start = i + 1;
      continue;
    }
    line_.append(bytes.substr(start, i - start));
    if (line_.size() > max_line_bytes_) {
      return false;
    }
    ProcessLine(line_, out);
    line_.clear();
    after_cr_ = c == '\r';
    start = i + 1;
  }
  if (start < bytes.size()) {
    after_cr_ = false;
    line_.append(bytes.substr(start));
    if (line_.size() > max_line_bytes_) {
      return false;
    }
  }
  return true;
}

void SseParser::ProcessLine(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (has_data_) {
      out.push_back(std::move(pending_));
    }
    pending_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') {
    return;  // a comment (keep-alive)
  }
  std::string_view field = line;
  std::string_view value;
  if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      pending_.data += '\n';
    }
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      pending_.id = std::string(value);
    }
  }
  // "retry" and unknown fields are ignored.
}

bool LineSplitter::Feed(std::string_view bytes, std::vector<std::string>& out) {
  std::size_t start = 0;
  for (std::size_t newline = bytes.find('\n'); newline != std::string_view::npos;
       newline = bytes.find('\n', start)) {
    line_.append(bytes.substr(start, newline - start));
    if (!line_.empty() && line_.back() == '\r') {
      line_.pop_back();
    }
    if (line_.size() > max_line_bytes_) {
      return false;
    }
    if (!line_.empty()) {
      out.push_back(std::move(line_));
    }
    line_.clear();
    start = newline + 1;
  }
  line_.append(bytes.substr(start));
  return line_.size() <= max_line_bytes_;
}

}  // namespace amaima::providers
