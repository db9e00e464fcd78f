#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"

namespace amaima::http {

// Close codes of RFC 6455 §7.4.1 that the server sends.
enum class CloseCode : std::uint16_t {
  kNormal = 1000,           // The conversation is over.
  kGoingAway = 1001,        // The server is shutting down.
  kPolicyViolation = 1008,  // Authentication failed, or the peer stopped answering pings.
  kMessageTooBig = 1009,    // A message exceeded the server's size limit.
  kInternalError = 1011,    // A server bug.
};

// One accepted WebSocket connection as the rest of the system sees it: whole messages
// in, whole text messages out, no Beast types. Implemented in http/server over
// Boost.Beast; faked in tests.
//
// The connection belongs to the HTTP server, which runs the WebSocketHandler on the
// connection's strand and closes the socket when the handler returns, so the handler
// must not keep references to it afterwards. Coroutines the handler starts must run on
// the same strand (`co_await boost::asio::this_coro::executor`) and must be finished
// before the handler returns.
//
// @par Thread Safety
// Not thread-safe: every call happens on the connection's strand. There is at most one
// Read() at a time; Write() and Close() may be awaited by several coroutines at once.
class WebSocketConnection {
 public:
  WebSocketConnection() = default;
  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;
  WebSocketConnection(WebSocketConnection&&) = delete;
  WebSocketConnection& operator=(WebSocketConnection&&) = delete;
  virtual ~WebSocketConnection() = default;

  // Returns the next message (text or binary, as bytes). Fails once the connection is
  // over: kCancelled WS_CLOSED after a closing handshake (either side started it, also
  // the server's shutdown), kInvalidArgument VALIDATION_PAYLOAD_TOO_LARGE when a message
  // exceeded the size limit (the connection was closed with 1009), kUnavailable
  // WS_CONNECTION_FAILED when the transport broke. Once it failed, it fails again.
  virtual boost::asio::awaitable<Result<std::string>> Read() = 0;

  // Sends `message` as one text message. Writes from several coroutines are queued and
  // sent whole, in the order they were called; each completes once its message is written.
  // Fails with kUnavailable WS_CLOSED once Close() was called or the connection failed.
  virtual boost::asio::awaitable<Status> Write(std::string message) = 0;

  // Starts the closing handshake with `code` and `reason` (at most 123 bytes) after the
  // queued writes; a pending Read() then fails once the peer answers, or after a bounded
  // wait, after which the transport is closed. Later calls do nothing.
  virtual boost::asio::awaitable<void> Close(CloseCode code, std::string reason) = 0;

  // Whether Close() was called or the connection is over.
  virtual bool closing() const = 0;
};

// Serves one upgraded connection; returning ends it. Called on the connection's strand.
// The connection outlives the call (the server co_awaits it).
using WebSocketHandler = std::function<boost::asio::awaitable<void>(WebSocketConnection&)>;

}  // namespace amaima::http
