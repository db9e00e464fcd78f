#pragma once

#include <string_view>

namespace amaima::http {

// Reasons (Error::reason) of upstream failures returned by HttpClient.
inline constexpr std::string_view kUpstreamInvalidUrl = "UPSTREAM_INVALID_URL";
inline constexpr std::string_view kUpstreamInvalidRequest = "UPSTREAM_INVALID_REQUEST";
inline constexpr std::string_view kUpstreamResolveFailed = "UPSTREAM_RESOLVE_FAILED";
inline constexpr std::string_view kUpstreamConnectFailed = "UPSTREAM_CONNECT_FAILED";
inline constexpr std::string_view kUpstreamReset = "UPSTREAM_RESET";
inline constexpr std::string_view kUpstreamTlsVerifyFailed = "UPSTREAM_TLS_VERIFY_FAILED";
inline constexpr std::string_view kUpstreamTlsHandshakeFailed = "UPSTREAM_TLS_HANDSHAKE_FAILED";
inline constexpr std::string_view kUpstreamTlsConfigInvalid = "UPSTREAM_TLS_CONFIG_INVALID";
inline constexpr std::string_view kUpstreamProtocolError = "UPSTREAM_PROTOCOL_ERROR";
inline constexpr std::string_view kUpstreamIoError = "UPSTREAM_IO_ERROR";
inline constexpr std::string_view kUpstreamConnectTimeout = "UPSTREAM_CONNECT_TIMEOUT";
inline constexpr std::string_view kUpstreamReadTimeout = "UPSTREAM_READ_TIMEOUT";
inline constexpr std::string_view kUpstreamWriteTimeout = "UPSTREAM_WRITE_TIMEOUT";
inline constexpr std::string_view kUpstreamTotalTimeout = "UPSTREAM_TOTAL_TIMEOUT";
inline constexpr std::string_view kUpstreamResponseTooLarge = "UPSTREAM_RESPONSE_TOO_LARGE";
inline constexpr std::string_view kUpstreamCancelled = "UPSTREAM_CANCELLED";
inline constexpr std::string_view kUpstreamStreamClosed = "UPSTREAM_STREAM_CLOSED";

}  // namespace amaima::http
