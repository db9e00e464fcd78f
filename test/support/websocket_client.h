#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace amaima::testing {

// What one Receive() saw: a text message, or the end of the connection.
struct WsReceived {
  bool closed{false};           // The server closed the connection (or it failed).
  std::uint16_t close_code{0};  // The code of the server's close frame; 0 if none came.
  bool timed_out{false};        // Nothing arrived in time (the connection is then dropped).
  std::string text{};
};

// A blocking WebSocket client over loopback (Boost.Beast) for tests. Each call runs the
// client's own io_context until the operation completes or the timeout passes; a timeout
// drops the connection (a test failure, not a case). Not thread-safe.
class WebSocketClient {
 public:
  // Connects to 127.0.0.1:port and upgrades `target` ("/v1/ws?token=x"). Throws
  // std::runtime_error when the connection or the handshake fails; `status` then holds
  // the HTTP status the server answered with (0 if none).
  WebSocketClient(std::uint16_t port, std::string_view target);
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;
  WebSocketClient(WebSocketClient&&) = delete;
  WebSocketClient& operator=(WebSocketClient&&) = delete;
  ~WebSocketClient();

  // Sends one text message; returns false when the connection is gone.
  bool Send(std::string_view text);

  // Waits for the next message (control frames are handled inside).
  WsReceived Receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Starts and finishes the closing handshake with code 1000.
  void Close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Attempts an upgrade of `target` and returns the HTTP status of the answer (101 when it
// succeeded), for tests of refused upgrades. `upgrade` false sends a plain GET.
int TryWebSocketUpgrade(std::uint16_t port, std::string_view target, bool upgrade = true);

}  // namespace amaima::testing
