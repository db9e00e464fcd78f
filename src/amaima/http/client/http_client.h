#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"

namespace amaima {
class Clock;
}  // namespace amaima

namespace amaima::http {

// Ordered (name, value) pairs; names may repeat.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One upstream request.
struct ClientRequest {
  std::string method{"GET"};
  std::string url{};  // Absolute: "https://api.example.com/v1/chat/completions".
  // Sent as given, after Host and before Content-Length. Host may be overridden here;
  // Content-Length and Transfer-Encoding are set by the client and rejected here.
  HeaderList headers{};
  std::string body{};
};

// One complete upstream response. Header names are lower case.
struct ClientResponse {
  int status{0};
  HeaderList headers{};
  std::string body{};

  // Returns the first header named `name` (lower case), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Limits for one request. The defaults suit a model provider that streams.
struct RequestOptions {
  // Name resolution, TCP connect and the TLS handshake of a new connection.
  std::chrono::milliseconds connect_timeout{10000};
  // The longest wait for progress on one read or write: a silent upstream fails
  // after this long even while the total deadline is far away.
  std::chrono::milliseconds read_timeout{60000};
  // The whole exchange: connecting, retrying, sending and, for Open(), the body.
  std::chrono::milliseconds total_timeout{300000};
  // Send() fails with kResourceExhausted when the body is larger.
  std::size_t max_response_bytes{64U << 20};
  // Whether a pooled connection that the upstream closed before answering is retried
  // once on a new connection. Only for idempotent methods and POST; it is safe
  // because not a byte of the response had arrived.
  bool retry_stale_connection{true};
};

struct HttpClientOptions {
  std::size_t max_idle_per_host{8};               // Idle keep-alive connections kept per origin.
  std::chrono::milliseconds idle_timeout{60000};  // An idle connection older than this is closed.
  // Verify the upstream's certificate chain and host name (https). Turning it off is
  // for development against self-signed upstreams only.
  bool verify_tls{true};
  // PEM file of the certificate authorities to trust instead of the system's.
  std::string ca_file{};
  std::string user_agent{"amaima"};  // Sent unless the request sets User-Agent; empty = none.
};

// Counters of one client; a snapshot.
struct HttpClientStats {
  std::uint64_t requests{0};             // Exchanges started (retries included).
  std::uint64_t connections_opened{0};   // New TCP (and TLS) connections.
  std::uint64_t connections_reused{0};   // Requests sent on a pooled connection.
  std::uint64_t connections_in_pool{0};  // Idle connections held now.
  std::uint64_t stale_retries{0};        // Requests retried after a pooled connection failed.
};

class UpstreamExchange;

// The response of HttpClient::Open(): status and headers at once, then the body
// piece by piece as it arrives.
//
// A body read completely on a keep-alive connection gives the connection back to
// the client's pool; anything else (an error, cancellation, destroying the stream
// early) closes it. Not thread-safe: use it from one coroutine at a time. The
// HttpClient that opened it must outlive it.
class StreamingResponse {
 public:
  // Made by HttpClient::Open().
  explicit StreamingResponse(std::unique_ptr<UpstreamExchange> exchange);
  StreamingResponse(StreamingResponse&&) noexcept;
  StreamingResponse& operator=(StreamingResponse&&) noexcept;
  StreamingResponse(const StreamingResponse&) = delete;
  StreamingResponse& operator=(const StreamingResponse&) = delete;
  ~StreamingResponse();

  int status() const;
  const HeaderList& headers() const;  // Lower-case names.
  // Returns the first header named `name` (lower case), if any.
  std::optional<std::string_view> Header(std::string_view name) const;

  // Returns the next piece of the body as soon as any bytes of it arrive (chunked
  // encoding removed), or std::nullopt once the body is complete. Errors:
  // kDeadlineExceeded (UPSTREAM_READ_TIMEOUT, UPSTREAM_TOTAL_TIMEOUT), kUnavailable
  // (UPSTREAM_RESET, UPSTREAM_PROTOCOL_ERROR), kCancelled (UPSTREAM_CANCELLED) when the
  // awaiting coroutine is cancelled (asio per-operation cancellation, terminal). After
  // an error or the end, every call returns the same. Co_await it directly.
  boost::asio::awaitable<Result<std::optional<std::string>>> Next();

  // Whether the body is complete or the stream failed.
  bool done() const;

 private:
  std::unique_ptr<UpstreamExchange> exchange_;
};

// A pooled HTTP/1.1 client for upstream calls: keep-alive connections kept per
// (scheme, host, port), TLS with certificate and host name verification, and
// deadlines on every step.
//
// Every call runs on the calling coroutine's executor; connections opened on one
// io_context are reused only on that io_context. A pooled connection that fails
// before any byte of the response is retried once on a new connection (see
// RequestOptions::retry_stale_connection). Terminal cancellation of the awaiting
// coroutine (e.g. a cancellation_signal bound with bind_cancellation_slot) stops
// the call promptly and closes its connection.
//
// Errors: kInvalidArgument (UPSTREAM_INVALID_URL, UPSTREAM_INVALID_REQUEST);
// kUnavailable (UPSTREAM_RESOLVE_FAILED, UPSTREAM_CONNECT_FAILED, UPSTREAM_RESET,
// UPSTREAM_TLS_VERIFY_FAILED, UPSTREAM_TLS_HANDSHAKE_FAILED, UPSTREAM_PROTOCOL_ERROR,
// UPSTREAM_IO_ERROR); kDeadlineExceeded (UPSTREAM_CONNECT_TIMEOUT,
// UPSTREAM_READ_TIMEOUT, UPSTREAM_WRITE_TIMEOUT, UPSTREAM_TOTAL_TIMEOUT);
// kResourceExhausted (UPSTREAM_RESPONSE_TOO_LARGE); kCancelled (UPSTREAM_CANCELLED).
// An HTTP error status is a successful response, not an Error.
//
// Name resolution cannot be interrupted: cancellation and the connect timeout take
// effect when it returns. IP literals are not resolved.
//
// @par Thread Safety
// Send() and Open() may be called concurrently from any threads. The client must
// outlive every call and every StreamingResponse, and must be destroyed before the
// io_contexts it was used on (it closes the pooled sockets).
class HttpClient {
 public:
  // Fails with kInvalidArgument when the TLS settings cannot be loaded (ca_file).
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options);
  // As above; `clock` (borrowed, may be null for the system clock) measures how long
  // pooled connections idle.
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options,
                                                    const Clock* clock);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) = delete;
  HttpClient& operator=(HttpClient&&) = delete;
  ~HttpClient();

  // Sends `request` and reads the whole response.
  boost::asio::awaitable<Result<ClientResponse>> Send(ClientRequest request,
                                                      RequestOptions options = {});

  // Sends `request` and returns once the response header has arrived; the body
  // is read with StreamingResponse::Next().
  boost::asio::awaitable<Result<StreamingResponse>> Open(ClientRequest request,
                                                         RequestOptions options = {});

  HttpClientStats stats() const;

  // Closes every idle pooled connection.
  void CloseIdleConnections();

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace amaima::http
