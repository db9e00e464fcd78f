#include "amaima/providers/provider_errors.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace amaima::providers {

Error UpstreamStatusError(std::string_view provider, int status, std::string message,
                          std::optional<std::string_view> retry_after) {
  ErrorCode code = ErrorCode::kFailedPrecondition;
  std::string reason = "UPSTREAM_REJECTED";
  if (status == 429) {
    code = ErrorCode::kResourceExhausted;
    reason = "UPSTREAM_RATE_LIMITED";
  } else if (status >= 500 && status <= 599) {
    code = ErrorCode::kUnavailable;
    reason = "UPSTREAM_SERVER_ERROR";
  } else if (status == 401 || status == 403) {
    reason = "UPSTREAM_AUTH_FAILED";
  }
  Error error = Fail(code, std::move(reason),
                     std::string(provider) + " answered HTTP " + std::to_string(status)
                         + (message.empty() ? "" : ": " + message))
                    .With("provider", std::string(provider))
                    .With("upstream_status", std::to_string(status));
  if (retry_after) {
    if (auto delay = ParseRetryAfter(*retry_after)) {
      error.details.emplace_back("retry_after_ms", std::to_string(delay->count()));
    }
  }
  return error;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0 || seconds > 86400) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

bool IsRetryable(const Error& error) {
  static constexpr std::array<std::string_view, 12> kRetryable = {
      "UPSTREAM_RATE_LIMITED",   "UPSTREAM_SERVER_ERROR",   "UPSTREAM_RESET",
      "UPSTREAM_CONNECT_FAILED", "UPSTREAM_RESOLVE_FAILED", "UPSTREAM_CONNECT_TIMEOUT",
      "UPSTREAM_READ_TIMEOUT",   "UPSTREAM_WRITE_TIMEOUT",  "UPSTREAM_TOTAL_TIMEOUT",
      "UPSTREAM_IO_ERROR",       "UPSTREAM_STREAM_ERROR",   "UPSTREAM_PROTOCOL_ERROR"};
  return std::find(kRetryable.begin(), kRetryable.end(), error.reason) != kRetryable.end();
}

std::string_view Detail(const Error& error, std::string_view key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return {};
}

std::optional<std::chrono::milliseconds> RetryAfter(const Error& error) {
  const std::string_view text = Detail(error, "retry_after_ms");
  std::int64_t millis = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), millis);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(millis);
}

}  // namespace amaima::providers
