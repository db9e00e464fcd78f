#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <variant>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "amaima/core/result.h"
#include "amaima/http/client/http_client.h"
#include "amaima/http/client/url.h"

namespace amaima::http {

// Time limits of one exchange: the absolute end of the whole exchange and the
// longest single step (connecting, one read or one write).
struct Deadlines {
  std::chrono::steady_clock::time_point total{};
  std::chrono::milliseconds total_budget{};  // What `total` was computed from, for messages.
  std::chrono::milliseconds connect{};
  std::chrono::milliseconds io{};

  // Starts the clock now.
  static Deadlines From(const RequestOptions& options);
};

// One HTTP/1.1 connection to an upstream origin, plain TCP or TLS, and the parser
// of the response being read on it.
//
// Each step arms the stream's timer with the earlier of the step's limit and the
// total deadline, so that an expiry says which one ran out. Every step honours
// terminal cancellation of the awaiting coroutine. After any failure the
// connection is unusable; the caller closes it.
//
// @par Thread Safety
// Not thread-safe: one exchange at a time, by the owner of the unique_ptr. The
// coroutines take references to the caller's objects; co_await them directly.
class UpstreamConnection {
 public:
  using TcpStream = boost::beast::tcp_stream;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using Parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

  // Resolves `url.host` (unless it is an IP literal), connects, and for https does
  // the TLS handshake with SNI and, when `tls_context` verifies peers, certificate
  // and host name verification. The connection uses the calling coroutine's executor.
  static boost::asio::awaitable<Result<std::unique_ptr<UpstreamConnection>>> Connect(
      const Url& url, boost::asio::ssl::context& tls_context, const Deadlines& deadlines);

  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;
  UpstreamConnection(UpstreamConnection&&) = delete;
  UpstreamConnection& operator=(UpstreamConnection&&) = delete;
  ~UpstreamConnection();

  // Writes the request: `head` (request line and headers) then `body`.
  boost::asio::awaitable<Status> Write(std::string_view head, std::string_view body,
                                       const Deadlines& deadlines);

  // Reads the response header, skipping interim 1xx responses. `head_request`
  // says that no body follows, whatever the header says.
  boost::asio::awaitable<Status> ReadHeader(bool head_request, const Deadlines& deadlines);

  // Reads body bytes into [data, data + size) as soon as any arrive. Returns the
  // count, or 0 once the body is complete. Requires ReadHeader() to have succeeded.
  boost::asio::awaitable<Result<std::size_t>> ReadBody(char* data, std::size_t size,
                                                       const Deadlines& deadlines);

  // The response header read by ReadHeader().
  const Parser::value_type& response() const { return parser_->get(); }

  bool body_done() const { return parser_ && parser_->is_done(); }

  // Whether any byte of the current response has arrived.
  bool response_started() const { return response_started_; }

  // Whether another request may follow on this connection: the response is
  // complete, both sides keep the connection alive and nothing extra arrived.
  bool CanReuse();

  // Forgets the finished exchange and disarms the timer before the connection idles.
  void ResetForReuse();

  // Checks, without blocking, that the upstream has not closed (or written to)
  // this idle connection.
  bool LooksAlive();

  // Closes the socket at once; the upstream sees the connection end.
  void Close();

  // The execution context whose reactor the socket is registered with.
  const void* context() const { return context_; }

 private:
  UpstreamConnection(const boost::asio::any_io_executor& executor,
                     boost::asio::ssl::context* tls_context);

  using TimePoint = std::chrono::steady_clock::time_point;

  TcpStream& tcp();
  const TcpStream& tcp() const;
  // Arms the stream's timer for one step that must end by `step_end` (a limit of
  // `step_limit`), or by the total deadline if that comes first. Fails when the
  // step's time or the total time is already used up.
  Status Arm(TimePoint step_end, std::chrono::milliseconds step_limit, std::string_view step_reason,
             const Deadlines& deadlines);
  Error TimeoutError(std::string_view reason, std::chrono::milliseconds limit,
                     std::string_view doing) const;
  // Maps a failed read or write to an Error.
  Error Failure(const boost::system::error_code& ec, bool cancelled, std::string_view doing) const;
  Error HandshakeFailure(const boost::system::error_code& ec, bool cancelled, const Url& url);
  boost::asio::awaitable<Status> ConnectTcp(const Url& url, TimePoint connect_end,
                                            const Deadlines& deadlines);
  boost::asio::awaitable<Status> Handshake(const Url& url, TimePoint connect_end,
                                           const Deadlines& deadlines);
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> ReadSome();

  std::variant<TcpStream, TlsStream> stream_;
  const void* context_{nullptr};
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  bool response_started_{false};
  bool closed_{false};
  std::string_view armed_reason_{};          // The timeout the timer is armed for.
  std::chrono::milliseconds armed_limit_{};  // Its limit, for the message.
};

}  // namespace amaima::http
