#pragma once

// Internal to http/server (includes Beast): the Beast implementation of
// WebSocketConnection that http_server.cc runs for an upgraded request.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "amaima/http/server/websocket.h"

namespace amaima::http {

struct WebSocketOptions {
  std::uint64_t message_limit_bytes{1U << 20};  // Larger messages close the connection (1009).
  // How long the peer has to answer our close frame before the socket is closed.
  std::chrono::milliseconds close_timeout{5000};
};

// One WebSocket connection over the session's tcp_stream (borrowed: it must outlive the
// object). Writes are serialised by a FIFO of waiters, so that several coroutines can
// write at once while Beast sees one write at a time.
//
// @par Thread Safety
// Everything runs on the connection's strand (the tcp_stream's executor).
class WebSocketSession final : public WebSocketConnection {
 public:
  WebSocketSession(boost::beast::tcp_stream& stream, const WebSocketOptions& options);
  WebSocketSession(const WebSocketSession&) = delete;
  WebSocketSession& operator=(const WebSocketSession&) = delete;
  WebSocketSession(WebSocketSession&&) = delete;
  WebSocketSession& operator=(WebSocketSession&&) = delete;
  ~WebSocketSession() override;

  // Answers the upgrade request `head` (101, with `request_id` in x-request-id). Returns
  // false when the handshake failed (Beast has answered 400 then).
  boost::asio::awaitable<bool> Accept(
      const boost::beast::http::request<boost::beast::http::empty_body>& head,
      const std::string& request_id);

  // Runs `handler`, closes the connection with 1011 if it throws (the exception is
  // rethrown for the session's catch-all), and waits until closes started by Shutdown()
  // have finished, so that nothing refers to the object after it returns.
  boost::asio::awaitable<void> Run(const WebSocketHandler& handler);

  // Starts closing with 1001 (the server is stopping). Call on the strand; idempotent.
  void Shutdown();

  boost::asio::awaitable<Result<std::string>> Read() override;
  boost::asio::awaitable<Status> Write(std::string message) override;
  boost::asio::awaitable<void> Close(CloseCode code, std::string reason) override;

  bool closing() const override { return close_started_ || failed_; }

 private:
  struct Waiter {
    boost::asio::steady_timer* timer{nullptr};
    bool granted{false};
  };

  // Waits for this coroutine's turn to write; false if the wait was cancelled.
  boost::asio::awaitable<bool> AcquireTurn();
  void ReleaseTurn();
  // Closes the transport after close_timeout unless cancelled first.
  boost::asio::awaitable<void> ForceCloseAfterTimeout();
  boost::asio::awaitable<void> CloseInBackground(CloseCode code, std::string reason);

  boost::beast::websocket::stream<boost::beast::tcp_stream&> ws_;
  WebSocketOptions options_;
  boost::beast::flat_buffer buffer_;
  bool accepted_{false};
  bool shutdown_requested_{false};  // Shutdown() before the handshake finished.
  bool close_started_{false};
  bool failed_{false};  // A read or write failed: the transport is gone.
  bool writing_{false};
  std::deque<Waiter*> waiters_;                // Coroutines waiting for their turn to write, FIFO.
  int background_closes_{0};                   // CloseInBackground() coroutines still running.
  boost::asio::steady_timer background_done_;  // Cancelled when background_closes_ drops to 0.
};

}  // namespace amaima::http
