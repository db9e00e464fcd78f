#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/http/client/http_client.h"

namespace amaima::http::testing {

// How a scripted reply delimits its body.
enum class Framing {
  kContentLength,
  kChunked,
  kUntilClose,  // No length: the body ends when the server closes the connection.
};

// What the fake upstream received.
struct ReceivedRequest {
  std::string method{};
  std::string target{};
  HeaderList headers{};  // Lower-case names.
  std::string body{};
  std::size_t connection{0};           // 1 for the first connection accepted, and so on.
  std::size_t index_on_connection{0};  // 0 for the first request on its connection.
};

// A scripted reply. Each element of `chunks` is written separately (one HTTP chunk
// when chunked), `chunk_delay` apart.
struct Reply {
  int status{200};
  HeaderList headers{};
  std::vector<std::string> chunks{};
  Framing framing{Framing::kContentLength};
  std::chrono::milliseconds header_delay{0};
  std::chrono::milliseconds chunk_delay{0};
  bool hold_last_chunk{false};     // Waits for Release() before the last chunk.
  bool head_only{false};           // Sends the header (as if with the body) but no body.
  bool drop_request{false};        // Closes the connection instead of answering.
  bool close_after{false};         // Closes the connection after answering, without saying so.
  bool reset_after_chunks{false};  // Resets the connection (RST) after the chunks.
  bool await_client_close{false};  // After the chunks, waits for the client to close.
};

struct FakeUpstreamTls {
  std::string cert_pem{};
  std::string key_pem{};
};

using ReplyFunction = std::function<Reply(const ReceivedRequest&)>;

// An HTTP/1.1 upstream on 127.0.0.1 (an ephemeral port) for client tests, served
// by Beast on its own thread, that answers each request as `reply` scripts it, over
// plain TCP or TLS.
//
// @par Thread Safety
// Counters and accessors may be read from any thread. `reply` runs on the server's
// thread. The destructor stops the server.
class FakeUpstream {
 public:
  explicit FakeUpstream(ReplyFunction reply, std::optional<FakeUpstreamTls> tls = std::nullopt);
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;
  FakeUpstream(FakeUpstream&&) = delete;
  FakeUpstream& operator=(FakeUpstream&&) = delete;
  ~FakeUpstream();

  std::uint16_t port() const;

  // Returns "<scheme>://<host>:<port><target>".
  std::string Url(std::string_view target, std::string_view host = "127.0.0.1") const;

  // Lets replies that hold their last chunk go on.
  void Release();

  // Closes the listener and every connection, and joins the server thread.
  void Stop();

  std::size_t connections_accepted() const;
  std::size_t requests() const;
  std::size_t chunks_sent() const;
  // Connections on which the server saw the client close (or reset) the connection.
  std::size_t client_closes() const;
  // Connections the server closed (after a reply, or dropping a request).
  std::size_t server_closes() const;
  std::vector<ReceivedRequest> received() const;
  // The TLS server name (SNI) of the last handshake; empty when none was sent.
  std::string last_server_name() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amaima::http::testing
