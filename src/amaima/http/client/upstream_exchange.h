#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/http/client/connection_pool.h"
#include "amaima/http/client/http_client.h"
#include "amaima/http/client/upstream_connection.h"

namespace amaima::http {

// One request/response exchange whose header has arrived: the response's status
// and headers, and the connection its body is read from.
//
// When the body has been read completely and the connection may carry another
// request, the connection goes back to `pool`; an error, a cancellation or
// destroying the exchange early closes it instead.
//
// @par Thread Safety
// Not thread-safe. `pool` is borrowed and must outlive the exchange. The
// coroutines borrow `this` and their arguments; co_await them directly.
class UpstreamExchange {
 public:
  // `close_after`: the request asked for Connection: close.
  UpstreamExchange(std::unique_ptr<UpstreamConnection> connection, ConnectionPool& pool,
                   PoolKey key, const Deadlines& deadlines, bool close_after);
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;
  UpstreamExchange(UpstreamExchange&&) = delete;
  UpstreamExchange& operator=(UpstreamExchange&&) = delete;
  ~UpstreamExchange();

  int status() const { return status_; }

  const HeaderList& headers() const { return headers_; }

  HeaderList TakeHeaders() { return std::move(headers_); }

  // See StreamingResponse::Next().
  boost::asio::awaitable<Result<std::optional<std::string>>> Next();

  // Appends the rest of the body to `body`; fails with kResourceExhausted
  // (UPSTREAM_RESPONSE_TOO_LARGE) when `body` would exceed `max_bytes`.
  boost::asio::awaitable<Status> ReadAll(std::string& body, std::size_t max_bytes);

  bool done() const { return finished_ || failure_.has_value(); }

  // Closes the connection and remembers `error` for later calls; returns it.
  Error Abort(Error error);

 private:
  static constexpr std::size_t kPieceBytes = std::size_t{16} * 1024;

  // The body is complete: gives the connection back to the pool or closes it.
  void Finish();

  std::unique_ptr<UpstreamConnection> connection_;  // Null once finished or failed.
  ConnectionPool& pool_;
  PoolKey key_;
  Deadlines deadlines_;
  bool close_after_{false};
  int status_{0};
  HeaderList headers_{};
  bool finished_{false};
  std::optional<Error> failure_{};
  std::array<char, kPieceBytes> piece_{};
};

}  // namespace amaima::http
