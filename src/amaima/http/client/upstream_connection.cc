#include "amaima/http/client/upstream_connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "amaima/http/client/upstream_errors.h"

namespace amaima::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Tcp = net::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
// Caps user-supplied limits so that `now + limit` cannot overflow.
constexpr milliseconds kMaxLimit = std::chrono::hours(24 * 365);

milliseconds Clamp(milliseconds limit) {
  return std::clamp(limit, milliseconds(0), kMaxLimit);
}

bool Cancelled(const net::cancellation_state& state) {
  return state.cancelled() != net::cancellation_type::none;
}

Error CancelledError() {
  return Fail(ErrorCode::kCancelled, std::string(kUpstreamCancelled), "upstream call cancelled");
}

// Errors that mean the upstream closed or reset the connection.
bool IsConnectionLoss(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream
         || ec == bhttp::error::partial_message || ec == net::error::connection_reset
         || ec == net::error::connection_aborted || ec == net::error::broken_pipe
         || ec == net::error::not_connected || ec == net::error::bad_descriptor
         || ec == net::error::shut_down || ec == net::ssl::error::stream_truncated;
}

bool IsHttpError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
}

std::variant<UpstreamConnection::TcpStream, UpstreamConnection::TlsStream> MakeStream(
    const net::any_io_executor& executor, net::ssl::context* tls_context) {
  if (tls_context != nullptr) {
    return std::variant<UpstreamConnection::TcpStream, UpstreamConnection::TlsStream>(
        std::in_place_index<1>, executor, *tls_context);
  }
  return std::variant<UpstreamConnection::TcpStream, UpstreamConnection::TlsStream>(
      std::in_place_index<0>, executor);
}

}  // namespace

Deadlines Deadlines::From(const RequestOptions& options) {
  Deadlines deadlines;
  deadlines.total_budget = Clamp(options.total_timeout);
  deadlines.total = std::chrono::steady_clock::now() + deadlines.total_budget;
  deadlines.connect = Clamp(options.connect_timeout);
  deadlines.io = Clamp(options.read_timeout);
  return deadlines;
}

UpstreamConnection::UpstreamConnection(const net::any_io_executor& executor,
                                       net::ssl::context* tls_context)
    : stream_(MakeStream(executor, tls_context)),
      context_(&net::query(executor, net::execution::context)) {}

UpstreamConnection::~UpstreamConnection() = default;

UpstreamConnection::TcpStream& UpstreamConnection::tcp() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    return beast::get_lowest_layer(*tls);
  }
  return std::get<TcpStream>(stream_);
}

const UpstreamConnection::TcpStream& UpstreamConnection::tcp() const {
  if (const auto* tls = std::get_if<TlsStream>(&stream_)) {
    return beast::get_lowest_layer(*tls);
  }
  return std::get<TcpStream>(stream_);
}

net::awaitable<Result<std::unique_ptr<UpstreamConnection>>> UpstreamConnection::Connect(
    const Url& url, net::ssl::context& tls_context, const Deadlines& deadlines) {
  const net::any_io_executor executor = co_await net::this_coro::executor;
  const TimePoint connect_end = std::chrono::steady_clock::now() + deadlines.connect;
  std::unique_ptr<UpstreamConnection> connection(
      new UpstreamConnection(executor, url.tls() ? &tls_context : nullptr));
  Status connected = co_await connection->ConnectTcp(url, connect_end, deadlines);
  if (connected && url.tls()) {
    connected = co_await connection->Handshake(url, connect_end, deadlines);
  }
  if (!connected) {
    connection->Close();
    co_return connected.error();
  }
  connection->tcp().expires_never();
  co_return std::move(connection);
}

net::awaitable<Status> UpstreamConnection::ConnectTcp(const Url& url, TimePoint connect_end,
                                                      const Deadlines& deadlines) {
  const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(url.host, ec);
  if (!ec) {
    if (Status armed = Arm(connect_end, deadlines.connect, kUpstreamConnectTimeout, deadlines);
        !armed) {
      co_return armed.error();
    }
    auto [connect_ec] = co_await tcp().async_connect(Tcp::endpoint(address, url.port), kAsTuple);
    ec = connect_ec;
  } else {
    // getaddrinfo cannot be interrupted: time and cancellation are checked when it returns.
    Tcp::resolver resolver(tcp().get_executor());
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), kAsTuple);
    if (Cancelled(cancellation)) {
      co_return CancelledError();
    }
    if (resolve_ec) {
      co_return Fail(ErrorCode::kUnavailable, std::string(kUpstreamResolveFailed),
                     "cannot resolve upstream host '" + url.host + "': " + resolve_ec.message());
    }
    if (Status armed = Arm(connect_end, deadlines.connect, kUpstreamConnectTimeout, deadlines);
        !armed) {
      co_return armed.error();
    }
    auto [connect_ec, endpoint] = co_await tcp().async_connect(endpoints, kAsTuple);
    ec = connect_ec;
  }
  if (ec) {
    if (Cancelled(cancellation)) {
      co_return CancelledError();
    }
    if (ec == beast::error::timeout) {
      co_return TimeoutError(armed_reason_, armed_limit_, "connecting to " + url.Authority());
    }
    co_return Fail(ErrorCode::kUnavailable, std::string(kUpstreamConnectFailed),
                   "cannot connect to upstream " + url.Authority() + ": " + ec.message());
  }
  boost::system::error_code ignored;
  tcp().socket().set_option(Tcp::no_delay(true), ignored);
  co_return Status{};
}

net::awaitable<Status> UpstreamConnection::Handshake(const Url& url, TimePoint connect_end,
                                                     const Deadlines& deadlines) {
  const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
  auto& tls = std::get<TlsStream>(stream_);
  SSL* ssl = tls.native_handle();
  boost::system::error_code not_ip;
  net::ip::make_address(url.host, not_ip);
  // SNI carries host names only (RFC 6066 §3).
  // SSL_set_tlsext_host_name() is a macro with a C-style cast; this is what it expands to.
  if (not_ip
      && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  static_cast<void*>(const_cast<char*>(url.host.c_str())))
             != 1) {
    co_return Fail(ErrorCode::kInvalidArgument, std::string(kUpstreamTlsHandshakeFailed),
                   "cannot set the TLS server name '" + url.host + "'");
  }
  if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size())
                           : X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
    if (set != 1) {
      co_return Fail(ErrorCode::kInvalidArgument, std::string(kUpstreamTlsHandshakeFailed),
                     "cannot verify the TLS host name '" + url.host + "'");
    }
  }
  if (Status armed = Arm(connect_end, deadlines.connect, kUpstreamConnectTimeout, deadlines);
      !armed) {
    co_return armed.error();
  }
  auto [ec] = co_await tls.async_handshake(net::ssl::stream_base::client, kAsTuple);
  if (ec) {
    co_return HandshakeFailure(ec, Cancelled(cancellation), url);
  }
  co_return Status{};
}

Error UpstreamConnection::HandshakeFailure(const boost::system::error_code& ec, bool cancelled,
                                           const Url& url) {
  if (cancelled) {
    return CancelledError();
  }
  if (ec == beast::error::timeout) {
    return TimeoutError(armed_reason_, armed_limit_, "the TLS handshake with " + url.Authority());
  }
  const long verify =  // NOLINT(google-runtime-int): OpenSSL's type.
      SSL_get_verify_result(std::get<TlsStream>(stream_).native_handle());
  if (verify != X509_V_OK) {
    return Fail(ErrorCode::kUnavailable, std::string(kUpstreamTlsVerifyFailed),
                "TLS certificate verification of upstream " + url.Authority()
                    + " failed: " + X509_verify_cert_error_string(verify))
        .With("host", url.host);
  }
  return Fail(ErrorCode::kUnavailable, std::string(kUpstreamTlsHandshakeFailed),
              "TLS handshake with upstream " + url.Authority() + " failed: " + ec.message());
}

Status UpstreamConnection::Arm(TimePoint step_end, milliseconds step_limit,
                               std::string_view step_reason, const Deadlines& deadlines) {
  const TimePoint now = std::chrono::steady_clock::now();
  if (now >= deadlines.total) {
    return TimeoutError(kUpstreamTotalTimeout, deadlines.total_budget, "starting the next step");
  }
  if (step_end < deadlines.total) {
    if (now >= step_end) {
      return TimeoutError(step_reason, step_limit, "starting the next step");
    }
    tcp().expires_at(step_end);
    armed_reason_ = step_reason;
    armed_limit_ = step_limit;
  } else {
    tcp().expires_at(deadlines.total);
    armed_reason_ = kUpstreamTotalTimeout;
    armed_limit_ = deadlines.total_budget;
  }
  return {};
}

Error UpstreamConnection::TimeoutError(std::string_view reason, milliseconds limit,
                                       std::string_view doing) const {
  std::string what = "the upstream sent nothing";
  if (reason == kUpstreamTotalTimeout) {
    what = "the upstream call exceeded its total deadline";
  } else if (reason == kUpstreamConnectTimeout) {
    what = "connecting to the upstream timed out";
  } else if (reason == kUpstreamWriteTimeout) {
    what = "the upstream stopped accepting the request";
  }
  return Fail(ErrorCode::kDeadlineExceeded, std::string(reason),
              what + " (" + std::to_string(limit.count()) + " ms) while " + std::string(doing));
}

Error UpstreamConnection::Failure(const boost::system::error_code& ec, bool cancelled,
                                  std::string_view doing) const {
  if (cancelled) {
    return CancelledError();
  }
  if (ec == beast::error::timeout) {
    return TimeoutError(armed_reason_, armed_limit_, doing);
  }
  if (IsConnectionLoss(ec)) {
    return Fail(
        ErrorCode::kUnavailable, std::string(kUpstreamReset),
        "the upstream closed the connection while " + std::string(doing) + ": " + ec.message());
  }
  if (IsHttpError(ec)) {
    return Fail(ErrorCode::kUnavailable, std::string(kUpstreamProtocolError),
                "malformed upstream response (" + ec.message() + ") while " + std::string(doing));
  }
  return Fail(ErrorCode::kUnavailable, std::string(kUpstreamIoError),
              "upstream I/O failed while " + std::string(doing) + ": " + ec.message());
}

net::awaitable<Status> UpstreamConnection::Write(std::string_view head, std::string_view body,
                                                 const Deadlines& deadlines) {
  const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
  if (Cancelled(cancellation)) {
    co_return CancelledError();
  }
  if (Status armed = Arm(std::chrono::steady_clock::now() + deadlines.io, deadlines.io,
                         kUpstreamWriteTimeout, deadlines);
      !armed) {
    co_return armed.error();
  }
  const std::array<net::const_buffer, 2> buffers{net::buffer(head), net::buffer(body)};
  std::tuple<boost::system::error_code, std::size_t> written;
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    written = co_await net::async_write(*tls, buffers, kAsTuple);
  } else {
    written = co_await net::async_write(tcp(), buffers, kAsTuple);
  }
  if (const auto& ec = std::get<0>(written); ec) {
    co_return Failure(ec, Cancelled(cancellation), "sending the request");
  }
  co_return Status{};
}

net::awaitable<std::tuple<boost::system::error_code, std::size_t>> UpstreamConnection::ReadSome() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    co_return co_await bhttp::async_read_some(*tls, buffer_, *parser_, kAsTuple);
  }
  co_return co_await bhttp::async_read_some(tcp(), buffer_, *parser_, kAsTuple);
}

net::awaitable<Status> UpstreamConnection::ReadHeader(bool head_request,
                                                      const Deadlines& deadlines) {
  const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
  response_started_ = false;
  for (;;) {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(boost::none);  // Streams may be long; Send() applies its own limit.
    parser_->skip(head_request);
    while (!parser_->is_header_done()) {
      if (Cancelled(cancellation)) {
        co_return CancelledError();
      }
      // One step per read, so that the read timeout bounds silence, not the header.
      if (Status armed = Arm(std::chrono::steady_clock::now() + deadlines.io, deadlines.io,
                             kUpstreamReadTimeout, deadlines);
          !armed) {
        co_return armed.error();
      }
      auto [ec, consumed] = co_await ReadSome();
      response_started_ = response_started_ || consumed > 0 || buffer_.size() > 0;
      if (ec) {
        co_return Failure(ec, Cancelled(cancellation), "waiting for the response header");
      }
    }
    const unsigned status = parser_->get().result_int();
    if (status < 100 || status >= 200 || status == 101) {
      co_return Status{};
    }
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
  }
}

net::awaitable<Result<std::size_t>> UpstreamConnection::ReadBody(char* data, std::size_t size,
                                                                 const Deadlines& deadlines) {
  const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
  while (!parser_->is_done()) {
    if (Cancelled(cancellation)) {
      co_return CancelledError();
    }
    if (Status armed = Arm(std::chrono::steady_clock::now() + deadlines.io, deadlines.io,
                           kUpstreamReadTimeout, deadlines);
        !armed) {
      co_return armed.error();
    }
    parser_->get().body().data = data;
    parser_->get().body().size = size;
    auto [ec, consumed] = co_await ReadSome();
    const std::size_t received = size - parser_->get().body().size;
    parser_->get().body().data = nullptr;
    if (ec == bhttp::error::need_buffer) {
      ec = {};  // `data` is full; the rest stays in buffer_ for the next call.
    } else if (ec == net::ssl::error::stream_truncated && parser_->need_eof()) {
      // Many servers end a close-delimited body over TLS without close_notify.
      parser_->put_eof(ec);
    }
    if (ec) {
      co_return Failure(ec, Cancelled(cancellation), "reading the response body");
    }
    if (received > 0) {
      co_return received;
    }
  }
  co_return std::size_t{0};
}

bool UpstreamConnection::CanReuse() {
  if (closed_ || !parser_ || !parser_->is_done() || !parser_->keep_alive() || buffer_.size() > 0
      || !tcp().socket().is_open()) {
    return false;
  }
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    return SSL_pending(tls->native_handle()) == 0;
  }
  return true;
}

void UpstreamConnection::ResetForReuse() {
  parser_.reset();
  response_started_ = false;
  tcp().expires_never();
}

bool UpstreamConnection::LooksAlive() {
  if (closed_ || !tcp().socket().is_open() || buffer_.size() > 0) {
    return false;
  }
  if (auto* tls = std::get_if<TlsStream>(&stream_);
      tls != nullptr && SSL_pending(tls->native_handle()) > 0) {
    return false;
  }
  char byte = 0;
  ssize_t peeked = 0;
  do {
    peeked = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (peeked < 0 && errno == EINTR);
  // 0: the upstream closed it; > 0: it sent something unasked (a 408, a TLS alert).
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamConnection::Close() {
  closed_ = true;
  boost::system::error_code ignored;
  tcp().socket().shutdown(Tcp::socket::shutdown_both, ignored);
  tcp().close();
}

}  // namespace amaima::http
