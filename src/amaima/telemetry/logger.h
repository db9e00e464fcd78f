#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "amaima/config/config.h"

namespace amaima::telemetry {

// A key/value field of a log line. Values are strings; numbers are formatted by the caller.
using LogField = std::pair<std::string_view, std::string_view>;

// Structured logs, one line per event: JSON ({"ts","level","msg",...fields}) or text.
// Secrets never belong in fields (callers pass hashes and ids, not prompts or keys).
//
// @par Thread Safety
// Thread-safe: each line is formatted then written with one locked fwrite.
class Logger {
 public:
  // `out` is borrowed (stderr by default) and must outlive the logger.
  Logger(config::LogLevel level, config::LogFormat format, std::FILE* out = stderr);

  void Log(config::LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {});

  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(config::LogLevel::kInfo, message, fields);
  }

  void Warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(config::LogLevel::kWarning, message, fields);
  }

  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(config::LogLevel::kError, message, fields);
  }

  bool Enabled(config::LogLevel level) const { return level >= level_; }

 private:
  config::LogLevel level_;
  config::LogFormat format_;
  std::FILE* out_;
  std::mutex mutex_;  // Serialises writes to out_.
};

// Appends `text` to `out` as the inside of a JSON string (quotes not included).
void AppendJsonEscaped(std::string& out, std::string_view text);

}  // namespace amaima::telemetry
