#include "amaima/telemetry/logger.h"

#include <chrono>

#include "amaima/core/clock.h"

namespace amaima::telemetry {
namespace {

std::string_view LevelName(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::kDebug:
      return "debug";
    case config::LogLevel::kInfo:
      return "info";
    case config::LogLevel::kWarning:
      return "warning";
    case config::LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0x0F];
          out += kHex[c & 0x0F];
        } else {
          out += c;
        }
    }
  }
}

Logger::Logger(config::LogLevel level, config::LogFormat format, std::FILE* out)
    : level_(level), format_(format), out_(out) {}

void Logger::Log(config::LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) {
  if (!Enabled(level)) {
    return;
  }
  const std::string ts = FormatRfc3339(std::chrono::system_clock::now());
  std::string line;
  line.reserve(128);
  if (format_ == config::LogFormat::kJson) {
    line += R"({"ts":")";
    line += ts;
    line += R"(","level":")";
    line += LevelName(level);
    line += R"(","msg":")";
    AppendJsonEscaped(line, message);
    line += '"';
    for (const auto& [key, value] : fields) {
      line += ",\"";
      AppendJsonEscaped(line, key);
      line += "\":\"";
      AppendJsonEscaped(line, value);
      line += '"';
    }
    line += "}\n";
  } else {
    line += ts;
    line += ' ';
    line += LevelName(level);
    line += ' ';
    line += message;
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      line += value;
    }
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace amaima::telemetry
