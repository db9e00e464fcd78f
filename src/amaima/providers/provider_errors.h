#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "amaima/core/result.h"

namespace amaima::providers {

// The error for an upstream's non-success HTTP status, with the upstream's own message:
//   429            -> kResourceExhausted, UPSTREAM_RATE_LIMITED (retry_after_ms when sent)
//   500..599       -> kUnavailable, UPSTREAM_SERVER_ERROR
//   401, 403       -> kFailedPrecondition, UPSTREAM_AUTH_FAILED
//   other 4xx      -> kFailedPrecondition, UPSTREAM_REJECTED
// details: provider, upstream_status, and retry_after_ms.
Error UpstreamStatusError(std::string_view provider, int status, std::string message,
                          std::optional<std::string_view> retry_after);

// Parses a Retry-After value (delta-seconds; an HTTP date is not honoured) into a delay.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// Whether another attempt may succeed: rate limits, server errors, resets, refused or
// timed-out connections and cut streams. Not: rejections, auth failures, bad requests,
// cancellation.
bool IsRetryable(const Error& error);

// The Retry-After delay an error carries (see UpstreamStatusError), if any.
std::optional<std::chrono::milliseconds> RetryAfter(const Error& error);

// The value of detail `key`, or empty.
std::string_view Detail(const Error& error, std::string_view key);

}  // namespace amaima::providers
