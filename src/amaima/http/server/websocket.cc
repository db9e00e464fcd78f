#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream_base.hpp>

#include "amaima/http/server/websocket_session.h"

namespace amaima::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxCloseReason = 123;  // RFC 6455 §5.5: a control frame carries <= 125.

Error ClosedError() {
  return Fail(ErrorCode::kUnavailable, "WS_CLOSED", "the WebSocket connection is closing");
}

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream& stream, const WebSocketOptions& options)
    : ws_(stream), options_(options), background_done_(stream.get_executor()) {}

WebSocketSession::~WebSocketSession() = default;

net::awaitable<bool> WebSocketSession::Accept(
    const beast::http::request<beast::http::empty_body>& head, const std::string& request_id) {
  // The tcp_stream's own deadline would cut a long-lived connection: the WebSocket stream
  // keeps its own (the handshakes), and liveness is the application's ping/pong.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options_.close_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  auto decorate = [request_id](websocket::response_type& response) {
    response.set(beast::http::field::server, "amaima");
    response.set("x-request-id", request_id);
  };
  ws_.set_option(websocket::stream_base::decorator(decorate));
  ws_.read_message_max(options_.message_limit_bytes);
  auto [ec] = co_await ws_.async_accept(head, kAsTuple);
  if (ec) {
    failed_ = true;
    co_return false;
  }
  accepted_ = true;
  co_return true;
}

net::awaitable<void> WebSocketSession::Run(const WebSocketHandler& handler) {
  if (shutdown_requested_) {
    shutdown_requested_ = false;
    Shutdown();
  }
  std::exception_ptr failure;
  try {
    auto serving = handler(*this);
    co_await std::move(serving);
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await Close(CloseCode::kInternalError, "internal error");
  } else if (!closing()) {
    co_await Close(CloseCode::kNormal, "");
  }
  // Closes started by Shutdown() refer to this object: wait for them.
  while (background_closes_ > 0) {
    background_done_.expires_at(net::steady_timer::time_point::max());
    co_await background_done_.async_wait(kAsTuple);
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

void WebSocketSession::Shutdown() {
  if (!accepted_) {
    shutdown_requested_ = true;  // Run() starts the close once the handshake is done.
    return;
  }
  if (closing()) {
    return;
  }
  ++background_closes_;
  net::co_spawn(ws_.get_executor(),
                CloseInBackground(CloseCode::kGoingAway, "server shutting down"), net::detached);
}

net::awaitable<void> WebSocketSession::CloseInBackground(CloseCode code, std::string reason) {
  try {
    co_await Close(code, std::move(reason));
  } catch (const std::exception&) {
    failed_ = true;  // Nothing to report to: the handler sees the connection end.
  }
  if (--background_closes_ == 0) {
    background_done_.cancel();
  }
}

net::awaitable<Result<std::string>> WebSocketSession::Read() {
  if (failed_) {
    co_return Fail(ErrorCode::kCancelled, "WS_CLOSED", "the WebSocket connection is closed");
  }
  buffer_.consume(buffer_.size());
  auto [ec, bytes] = co_await ws_.async_read(buffer_, kAsTuple);
  if (ec) {
    failed_ = true;
    if (ec == websocket::error::closed) {
      co_return Fail(ErrorCode::kCancelled, "WS_CLOSED",
                     "the WebSocket connection was closed (code "
                         + std::to_string(static_cast<unsigned>(ws_.reason().code)) + ")");
    }
    if (ec == websocket::error::message_too_big) {
      co_return Fail(ErrorCode::kInvalidArgument, "VALIDATION_PAYLOAD_TOO_LARGE",
                     "a message exceeded " + std::to_string(options_.message_limit_bytes)
                         + " bytes; the connection was closed (1009)");
    }
    co_return Fail(ErrorCode::kUnavailable, "WS_CONNECTION_FAILED",
                   "the WebSocket connection failed: " + ec.message());
  }
  co_return beast::buffers_to_string(buffer_.data());
}

net::awaitable<bool> WebSocketSession::AcquireTurn() {
  if (!writing_) {
    writing_ = true;
    co_return true;
  }
  net::steady_timer timer(ws_.get_executor(), net::steady_timer::time_point::max());
  Waiter waiter{&timer, false};
  waiters_.push_back(&waiter);

  // Leaves the queue however the wait ends (also by an exception of a cancelled caller),
  // so that ReleaseTurn() never touches a timer that is gone.
  struct Leave {
    Leave(std::deque<Waiter*>& queue, Waiter* entry) : waiters(queue), waiter(entry) {}

    Leave(const Leave&) = delete;
    Leave& operator=(const Leave&) = delete;
    Leave(Leave&&) = delete;
    Leave& operator=(Leave&&) = delete;

    ~Leave() {
      const auto it = std::find(waiters.begin(), waiters.end(), waiter);
      if (it != waiters.end()) {
        waiters.erase(it);
      }
    }

    std::deque<Waiter*>& waiters;
    Waiter* waiter;
  };

  const Leave leave(waiters_, &waiter);
  // Either ReleaseTurn() cancelled the timer (granted) or the caller was cancelled.
  co_await timer.async_wait(kAsTuple);
  co_return waiter.granted;
}

void WebSocketSession::ReleaseTurn() {
  if (waiters_.empty()) {
    writing_ = false;
    return;
  }
  // Hand the turn over directly (writing_ stays true), first come first served.
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  next->timer->cancel();
}

net::awaitable<Status> WebSocketSession::Write(std::string message) {
  if (closing()) {
    co_return ClosedError();
  }
  const bool turn = co_await AcquireTurn();
  if (!turn) {
    co_return Fail(ErrorCode::kCancelled, "WS_CLOSED", "the write was cancelled");
  }
  if (closing()) {
    ReleaseTurn();
    co_return ClosedError();
  }
  ws_.text(true);
  auto [ec, bytes] = co_await ws_.async_write(net::buffer(message), kAsTuple);
  ReleaseTurn();
  if (ec) {
    failed_ = true;
    co_return Fail(ErrorCode::kUnavailable, "WS_CONNECTION_FAILED",
                   "writing to the WebSocket failed: " + ec.message());
  }
  co_return Status{};
}

net::awaitable<void> WebSocketSession::ForceCloseAfterTimeout() {
  net::steady_timer timer(ws_.get_executor(), options_.close_timeout);
  co_await timer.async_wait(net::use_awaitable);  // Throws when cancelled: the close won.
}

net::awaitable<void> WebSocketSession::Close(CloseCode code, std::string reason) {
  if (closing()) {
    co_return;
  }
  close_started_ = true;
  if (reason.size() > kMaxCloseReason) {
    reason.resize(kMaxCloseReason);
  }
  const websocket::close_reason why(static_cast<websocket::close_code>(code), reason);
  // Beast queues the close frame behind a write in progress. A peer that neither reads
  // (a write stuck on a full window) nor answers the close frame is cut off after
  // close_timeout: the watchdog wins the race and closes the transport.
  using namespace net::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
  auto handshake = ws_.async_close(why, kAsTuple);
  auto watchdog = ForceCloseAfterTimeout();
  auto outcome = co_await (std::move(handshake) || std::move(watchdog));
  if (outcome.index() == 1) {
    failed_ = true;
    beast::get_lowest_layer(ws_).close();
  }
}

}  // namespace amaima::http
