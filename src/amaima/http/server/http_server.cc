#include "amaima/http/server/http_server.h"

#include <array>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "amaima/http/server/error_mapping.h"
#include "amaima/http/server/websocket_session.h"

namespace amaima::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr auto kLingerTotal = std::chrono::seconds(2);
constexpr auto kLingerRead = std::chrono::milliseconds(500);
constexpr std::size_t kMaxRequestIdLength = 128;

// A client's x-request-id is kept when it is short and printable ASCII without spaces.
bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) {
    return false;
  }
  for (const char c : id) {
    if (c <= ' ' || c > '~') {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

HttpRequest ToHttpRequest(bhttp::request<bhttp::string_body>&& message, std::string request_id,
                          std::string remote_address) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const std::size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) {
    request.query_string = request.target.substr(question + 1);
  }
  request.headers.reserve(8);
  for (const auto& field : message) {
    request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.request_id = std::move(request_id);
  request.remote_address = std::move(remote_address);
  return request;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(net::io_context& io, std::vector<net::io_context*> lanes, const HttpServerOptions& options,
       const RouteTable& routes, IdGenerator& ids, ResponseObserver observer)
      : io_(io),
        lanes_(std::move(lanes)),
        options_(options),
        routes_(routes),
        ids_(ids),
        observer_(std::move(observer)),
        acceptor_(net::make_strand(io)),
        stop_strand_(net::make_strand(io)),
        drained_(stop_strand_) {}

  Status Bind() {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options_.host, ec);
    if (ec) {
      return Fail(ErrorCode::kInvalidArgument, "invalid listen address '" + options_.host + "'");
    }
    const tcp::endpoint endpoint(address, options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return Fail(ErrorCode::kUnavailable, "cannot open socket: " + ec.message());
    }
    if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) {
      return Fail(ErrorCode::kUnavailable, "cannot set SO_REUSEADDR: " + ec.message());
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      return Fail(ErrorCode::kUnavailable, "cannot bind " + options_.host + ":"
                                               + std::to_string(options_.port) + ": "
                                               + ec.message());
    }
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
      return Fail(ErrorCode::kUnavailable, "cannot listen: " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  std::uint16_t port() const { return port_; }

  const HttpServerStats& stats() const { return stats_; }

  void Start() {
    // The accept loop borrows `this`; Stop() closes the acceptor and the loop ends
    // before the server is destroyed (the owner awaits Stop()).
    ++accept_loops_;
    net::co_spawn(acceptor_.get_executor(), AcceptLoop(), net::detached);
  }

  net::awaitable<void> Stop(std::chrono::milliseconds deadline) {
    // Everything below touches drained_ and so runs on stop_strand_.
    co_await net::co_spawn(stop_strand_, StopOnStrand(deadline), net::use_awaitable);
  }

 private:
  net::awaitable<void> StopOnStrand(std::chrono::milliseconds deadline) {
    {
      // Set under the lock so that no session registers after the idle sweep below.
      std::lock_guard<std::mutex> lock(sessions_mutex_);
      stopping_.store(true);
    }
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    ForEachSession(/*only_idle=*/true);
    const bool drained = co_await WaitForSessions(deadline);
    if (!drained) {
      ForEachSession(/*only_idle=*/false);
      co_await WaitForSessions(std::chrono::milliseconds(2000));
    }
    // The accept loop may still be unwinding after the acceptor closed.
    while (accept_loops_.load() > 0) {
      net::steady_timer tick(stop_strand_, std::chrono::milliseconds(1));
      co_await tick.async_wait(kAsTuple);
    }
  }

  // Per-connection state that Stop() may touch, on the connection's strand only.
  struct SessionState {
    beast::tcp_stream* stream{nullptr};
    bool busy{false};  // A request is being read or handled.
    net::any_io_executor strand{};
    WebSocketSession* websocket{nullptr};  // Set while the connection is upgraded.
  };

  net::awaitable<void> AcceptLoop() {
    while (!stopping_.load()) {
      auto [ec, socket] = co_await acceptor_.async_accept(NextConnectionExecutor(), kAsTuple);
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
          break;
        }
        continue;  // EMFILE, ECONNABORTED...: keep accepting.
      }
      ++stats_.connections_accepted;
      // Responses are written whole or chunk by chunk as they are ready; Nagle's algorithm
      // would hold a small write back until the previous one is acknowledged (with delayed
      // ACKs, ~40 ms per streamed chunk).
      boost::system::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      const std::uint64_t id = RegisterSession(socket.get_executor());
      if (id == 0) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      auto executor = socket.get_executor();
      net::co_spawn(executor, RunSession(std::move(socket), id), net::detached);
    }
    --accept_loops_;
  }

  // The serial executor of the next connection: a new strand, or the next lane's.
  // Called by the accept loop only.
  net::any_io_executor NextConnectionExecutor() {
    if (lanes_.empty()) {
      return net::make_strand(io_);
    }
    net::io_context* lane = lanes_[next_lane_];
    next_lane_ = (next_lane_ + 1) % lanes_.size();
    return lane->get_executor();
  }

  // Returns 0 when the server is stopping and the connection must be refused.
  std::uint64_t RegisterSession(const net::any_io_executor& strand) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    if (stopping_.load()) {
      return 0;
    }
    const std::uint64_t id = ++next_session_id_;
    sessions_.emplace(id, SessionState{nullptr, false, strand, nullptr});
    ++stats_.active_connections;
    return id;
  }

  void UnregisterSession(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    sessions_.erase(id);
    --stats_.active_connections;
    if (sessions_.empty() && waiting_for_drain_) {
      waiting_for_drain_ = false;
      net::post(stop_strand_, [this] { drained_.cancel(); });
    }
  }

  void UpdateSession(std::uint64_t id, beast::tcp_stream* stream, bool busy) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      it->second.stream = stream;
      it->second.busy = busy;
    }
  }

  // Marks session `id` as upgraded to `websocket` (null: no longer). Returns false, and
  // sets nothing, when the server is stopping: the upgrade must then be refused, since
  // Stop() may already have swept the sessions.
  bool SetWebSocket(std::uint64_t id, WebSocketSession* websocket) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    if (websocket != nullptr && stopping_.load()) {
      return false;
    }
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      it->second.websocket = websocket;
    }
    return true;
  }

  // Closes the sockets of (idle) sessions, each on its own strand.
  void ForEachSession(bool only_idle) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    for (const auto& [id, state] : sessions_) {
      net::post(state.strand, [this, id = id, only_idle] { CloseSession(id, only_idle); });
    }
  }

  // Runs on the session's strand, so the session cannot finish concurrently.
  void CloseSession(std::uint64_t id, bool only_idle) {
    beast::tcp_stream* stream = nullptr;
    WebSocketSession* websocket = nullptr;
    {
      std::lock_guard<std::mutex> lock(sessions_mutex_);
      const auto it = sessions_.find(id);
      if (it == sessions_.end()) {
        return;
      }
      websocket = it->second.websocket;
      if (only_idle && it->second.busy && websocket == nullptr) {
        return;
      }
      stream = it->second.stream;
    }
    if (websocket != nullptr && only_idle) {
      // A WebSocket is never idle nor done: close it with 1001 (going away). The pointer
      // is valid: it is cleared on this strand before the session object goes.
      websocket->Shutdown();
      return;
    }
    if (stream == nullptr) {
      return;
    }
    boost::system::error_code ignored;
    if (only_idle) {
      // Interrupt the wait for a next request; the session itself ends, unless bytes of
      // a request have already arrived (then it is served, with `Connection: close`).
      stream->socket().cancel(ignored);
      return;
    }
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
  }

  // Waits on the stop strand until no session is left or `deadline` passes.
  net::awaitable<bool> WaitForSessions(std::chrono::milliseconds deadline) {
    {
      std::lock_guard<std::mutex> lock(sessions_mutex_);
      if (sessions_.empty()) {
        co_return true;
      }
      waiting_for_drain_ = true;
    }
    drained_.expires_after(deadline);
    co_await drained_.async_wait(kAsTuple);
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    waiting_for_drain_ = false;
    co_return sessions_.empty();
  }

  net::awaitable<void> RunSession(tcp::socket socket, std::uint64_t id) {
    std::string remote;
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (!ec) {
      remote = endpoint.address().to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    UpdateSession(id, &stream, false);
    try {
      co_await ServeConnection(stream, remote, id);
    } catch (const std::exception& e) {
      // The session's one catch-all: count it and drop the connection.
      ++stats_.unexpected_exceptions;
      std::fprintf(stderr, "{\"level\":\"error\",\"msg\":\"session failed\",\"error\":\"%s\"}\n",
                   e.what());
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    UnregisterSession(id);
  }

  net::awaitable<void> ServeConnection(beast::tcp_stream& stream, const std::string& remote,
                                       std::uint64_t id) {
    beast::flat_buffer buffer;
    while (!stopping_.load() || RequestPending(stream, buffer)) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(options_.body_limit_bytes);

      stream.expires_after(options_.idle_timeout);
      auto [read_ec, header_bytes] =
          co_await bhttp::async_read_header(stream, buffer, parser, kAsTuple);
      if (read_ec == net::error::operation_aborted && stopping_.load()
          && RequestPending(stream, buffer)) {
        continue;  // Stop() interrupted the wait while a request was arriving
      }
      if (read_ec) {
        if (read_ec == bhttp::error::body_limit) {
          // Beast checks Content-Length against the limit while reading the header.
          co_await WriteError(stream, PayloadTooLarge(), true);
        } else if (read_ec == bhttp::error::header_limit) {
          co_await WriteError(stream,
                              Fail(ErrorCode::kInvalidArgument, "VALIDATION_HEADERS_TOO_LARGE",
                                   "request headers exceed 16 KiB"),
                              true);
        } else if (read_ec != bhttp::error::end_of_stream && read_ec != net::error::eof
                   && read_ec != beast::error::timeout && read_ec != net::error::operation_aborted
                   && read_ec != net::error::connection_reset
                   && read_ec != net::error::bad_descriptor) {
          co_await WriteError(stream,
                              Fail(ErrorCode::kInvalidArgument, "VALIDATION_MALFORMED_HTTP",
                                   "malformed HTTP request: " + read_ec.message()),
                              true);
        }
        co_return;
      }
      UpdateSession(id, &stream, true);
      ++stats_.in_flight_requests;
      const bool keep_going = co_await ServeRequest(stream, buffer, parser, remote, id);
      --stats_.in_flight_requests;
      UpdateSession(id, &stream, false);
      if (!keep_going) {
        co_return;
      }
    }
  }

  // Reads the body, dispatches, writes the response. Returns whether to keep the
  // connection open.
  net::awaitable<bool> ServeRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    bhttp::request_parser<bhttp::string_body>& parser,
                                    const std::string& remote, std::uint64_t id) {
    const auto started = std::chrono::steady_clock::now();
    stream.expires_after(options_.request_timeout);
    auto& header = parser.get();
    const auto content_length = parser.content_length();
    if (content_length && *content_length > options_.body_limit_bytes) {
      co_await WriteError(stream, PayloadTooLarge(), true);
      co_return false;
    }
    if (bhttp::token_list(header[bhttp::field::expect]).exists("100-continue")) {
      bhttp::response<bhttp::empty_body> interim{bhttp::status::continue_, header.version()};
      auto [ec, n] = co_await bhttp::async_write(stream, interim, kAsTuple);
      if (ec) {
        co_return false;
      }
    }
    auto [read_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
    if (read_ec == bhttp::error::body_limit) {
      co_await WriteError(stream, PayloadTooLarge(), true);
      co_return false;
    }
    if (read_ec) {
      co_return false;
    }

    bhttp::request<bhttp::string_body> message = parser.release();
    const bool keep_alive = message.keep_alive() && !stopping_.load();
    const unsigned version = message.version();
    const bool head = message.method() == bhttp::verb::head;
    // The upgrade's header is kept for the handshake (only for upgrade requests).
    std::optional<bhttp::request<bhttp::empty_body>> upgrade;
    if (websocket::is_upgrade(message)) {
      upgrade.emplace(message.base());
    }
    const auto client_id = message["x-request-id"];
    std::string request_id(IsAcceptableRequestId(client_id) ? std::string(client_id)
                                                            : ids_.NewId());
    HttpRequest request = ToHttpRequest(std::move(message), std::move(request_id), remote);
    ++stats_.requests;

    HttpResponse response;
    if (upgrade.has_value()) {
      response = co_await Dispatch(request);
    } else {
      // A client that leaves while its request runs (a long upstream call) cancels the
      // handler, and with it the handler's upstream work; bytes it pipelines meanwhile stay
      // in `buffer` for the next request.
      using namespace net::experimental::
          awaitable_operators;  // NOLINT(google-build-using-namespace)
      auto raced = co_await (Dispatch(request) || WatchClient(stream, buffer));
      if (raced.index() == 1) {
        co_return false;
      }
      response = std::move(std::get<0>(raced));
    }
    if (response.websocket) {
      co_await ServeWebSocket(stream, request, response, upgrade, id, started);
      co_return false;  // An upgraded connection is never reused for HTTP.
    }
    const bool still_keep_alive = keep_alive && !stopping_.load();
    if (response.stream && !head) {
      const bool streamed =
          co_await WriteStream(stream, buffer, request, response, version, still_keep_alive);
      if (observer_) {
        observer_(request, response, std::chrono::steady_clock::now() - started);
      }
      co_return streamed&& still_keep_alive;
    }

    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
    out.set(bhttp::field::server, "amaima");
    out.set(bhttp::field::content_type, response.content_type);
    out.set("x-request-id", request.request_id);
    for (const auto& [name, value] : response.headers) {
      out.set(name, value);
    }
    out.keep_alive(still_keep_alive);
    if (head) {
      out.content_length(response.body.size());
    } else {
      out.body() = std::move(response.body);
      out.prepare_payload();
    }
    stream.expires_after(options_.request_timeout);
    auto [write_ec, written] = co_await bhttp::async_write(stream, out, kAsTuple);
    if (observer_) {
      if (!head) {
        response.body = std::move(out.body());
      }
      observer_(request, response, std::chrono::steady_clock::now() - started);
    }
    co_return !write_ec && still_keep_alive;
  }

  // Upgrades the connection and runs the route's WebSocket handler until it returns. A
  // request that is not an upgrade gets 400 VALIDATION_UPGRADE_REQUIRED; during shutdown,
  // 503 SYSTEM_SHUTTING_DOWN.
  net::awaitable<void> ServeWebSocket(beast::tcp_stream& stream, const HttpRequest& request,
                                      HttpResponse& response,
                                      const std::optional<bhttp::request<bhttp::empty_body>>& head,
                                      std::uint64_t id,
                                      std::chrono::steady_clock::time_point started) {
    if (!head) {
      HttpResponse refusal =
          ErrorResponse(Fail(ErrorCode::kInvalidArgument, "VALIDATION_UPGRADE_REQUIRED",
                             request.path
                                 + " is a WebSocket endpoint: send GET with 'Connection: "
                                   "Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key' and "
                                   "'Sec-WebSocket-Version: 13'")
                            .With("path", request.path),
                        request.request_id);
      refusal.headers.emplace_back("sec-websocket-version", "13");
      co_await WriteResponse(stream, request, refusal, 11, false);
      co_return;
    }
    WebSocketOptions options;
    options.message_limit_bytes = options_.body_limit_bytes;
    options.close_timeout = options_.websocket_close_timeout;
    WebSocketSession session(stream, options);
    if (!SetWebSocket(id, &session)) {
      const HttpResponse refusal = ErrorResponse(
          Fail(ErrorCode::kUnavailable, "SYSTEM_SHUTTING_DOWN", "the server is shutting down"),
          request.request_id);
      co_await WriteResponse(stream, request, refusal, head->version(), false);
      co_return;
    }
    ++stats_.active_websockets;
    const bool accepted = co_await session.Accept(*head, request.request_id);
    std::exception_ptr failure;
    if (accepted) {
      response.status = 101;
      try {
        co_await session.Run(response.websocket);
      } catch (const std::exception&) {
        failure = std::current_exception();
      }
    }
    SetWebSocket(id, nullptr);
    --stats_.active_websockets;
    if (observer_) {
      observer_(request, response, std::chrono::steady_clock::now() - started);
    }
    if (failure) {
      std::rethrow_exception(failure);  // To the session's catch-all.
    }
  }

  // Writes a whole (small) response.
  net::awaitable<void> WriteResponse(beast::tcp_stream& stream, const HttpRequest& request,
                                     const HttpResponse& response, unsigned version,
                                     bool keep_alive) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
    out.set(bhttp::field::server, "amaima");
    out.set(bhttp::field::content_type, response.content_type);
    out.set("x-request-id", request.request_id);
    for (const auto& [name, value] : response.headers) {
      out.set(name, value);
    }
    out.keep_alive(keep_alive);
    out.body() = response.body;
    out.prepare_payload();
    stream.expires_after(options_.request_timeout);
    // The connection ends after this response either way: a failed write changes nothing.
    co_await bhttp::async_write(stream, out, kAsTuple);
  }

  // Writes a streamed response with chunked encoding. While waiting for the next piece it
  // also watches the client: end of stream or an error there cancels the wait (and so the
  // handler's upstream work). Bytes of a pipelined next request are kept in `buffer`.
  // Returns whether the whole response was written.
  net::awaitable<bool> WriteStream(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   const HttpRequest& request, HttpResponse& response,
                                   unsigned version, bool keep_alive) {
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status), version};
    head.set(bhttp::field::server, "amaima");
    head.set(bhttp::field::content_type, response.content_type);
    head.set(bhttp::field::cache_control, "no-cache");
    head.set("x-request-id", request.request_id);
    for (const auto& [name, value] : response.headers) {
      head.set(name, value);
    }
    head.keep_alive(keep_alive);
    head.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    stream.expires_after(options_.request_timeout);
    auto [head_ec, head_bytes] = co_await bhttp::async_write_header(stream, serializer, kAsTuple);
    if (head_ec) {
      co_return false;
    }
    stream.expires_never();  // a stream may legitimately stay silent for long
    using namespace net::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
    for (;;) {
      auto next = co_await (response.stream->Next() || WatchClient(stream, buffer));
      if (next.index() == 1) {
        co_return false;  // the client went away; the stream was cancelled
      }
      std::optional<std::string>& piece = std::get<0>(next);
      bool ended = !piece.has_value();
      std::string batch = ended ? std::string() : std::move(*piece);
      // What is already at hand goes out in the same write (one chunk), the end included.
      while (!ended && response.stream->Ready()) {
        std::optional<std::string> more = co_await response.stream->Next();
        if (more) {
          batch += *more;
        } else {
          ended = true;
        }
      }
      stream.expires_after(options_.request_timeout);
      boost::system::error_code ec;
      if (ended && batch.empty()) {
        std::tie(ec, std::ignore) =
            co_await net::async_write(stream, bhttp::make_chunk_last(), kAsTuple);
      } else if (ended) {
        std::tie(ec, std::ignore) = co_await net::async_write(
            stream,
            beast::buffers_cat(bhttp::make_chunk(net::buffer(batch)), bhttp::make_chunk_last()),
            kAsTuple);
      } else if (!batch.empty()) {
        std::tie(ec, std::ignore) =
            co_await net::async_write(stream, bhttp::make_chunk(net::buffer(batch)), kAsTuple);
      }
      if (ec) {
        co_return false;
      }
      if (ended) {
        co_return true;
      }
      stream.expires_never();
    }
  }

  // Completes when the client closes its side or the connection fails; bytes it sends in
  // the meantime (a pipelined request) are kept in `buffer`.
  static net::awaitable<void> WatchClient(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    for (;;) {
      auto [ec, n] = co_await stream.socket().async_read_some(buffer.prepare(4096), kAsTuple);
      if (ec) {
        co_return;
      }
      buffer.commit(n);
      if (buffer.size() > kHeaderLimit) {
        co_return;  // not a client that waits for its answer
      }
    }
  }

  static void AddResponseHeaders(HttpRequest& request, HttpResponse& response) {
    for (auto& header : request.response_headers) {
      response.headers.push_back(std::move(header));
    }
    request.response_headers.clear();
  }

  // Authenticates `request` and checks that its role grants `permission`.
  net::awaitable<Status> Authorize(HttpRequest& request, Permission permission) {
    if (!options_.authenticator) {
      co_return Fail(ErrorCode::kUnauthenticated, "AUTH_REQUIRED",
                     "this route needs credentials and none can be checked");
    }
    Result<Principal> principal = co_await options_.authenticator(request);
    if (!principal) {
      co_return principal.error();
    }
    if (!RoleAllows(principal->role, permission)) {
      co_return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
                     "role " + std::string(RoleName(principal->role)) + " may not "
                         + std::string(PermissionName(permission)))
          .With("permission", std::string(PermissionName(permission)))
          .With("role", std::string(RoleName(principal->role)));
    }
    if (!principal->Allows(permission)) {
      co_return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
                     "this key's scopes do not include " + std::string(PermissionName(permission)))
          .With("permission", std::string(PermissionName(permission)))
          .With("role", std::string(RoleName(principal->role)));
    }
    request.principal = std::move(*principal);
    co_return Status{};
  }

  net::awaitable<HttpResponse> Dispatch(HttpRequest& request) {
    RouteTable::Match match = routes_.Find(request.method, request.path);
    if (match.status == RouteTable::MatchStatus::kNotFound) {
      co_return ErrorResponse(
          Fail(ErrorCode::kNotFound, "SYSTEM_ROUTE_NOT_FOUND", "no route for " + request.path)
              .With("path", request.path),
          request.request_id);
    }
    if (match.status == RouteTable::MatchStatus::kMethodNotAllowed) {
      std::string allow;
      for (const std::string& method : match.allowed_methods) {
        allow += allow.empty() ? method : ", " + method;
      }
      HttpResponse response =
          ErrorResponse(Fail(ErrorCode::kInvalidArgument, "SYSTEM_METHOD_NOT_ALLOWED",
                             request.method + " is not allowed on " + request.path)
                            .With("allowed", allow),
                        request.request_id);
      response.headers.emplace_back("allow", allow);
      co_return response;
    }
    request.path_params = std::move(match.params);
    request.route = *match.pattern;
    if (match.permission != Permission::kPublic) {
      Status allowed = co_await Authorize(request, match.permission);
      if (!allowed) {
        HttpResponse denied = ErrorResponse(allowed.error(), request.request_id);
        if (allowed.error().code == ErrorCode::kUnauthenticated) {
          denied.headers.emplace_back("www-authenticate", "Bearer realm=\"amaima\"");
        }
        AddResponseHeaders(request, denied);
        co_return denied;
      }
    }
    try {
      HttpResponse response = co_await (*match.handler)(request);
      AddResponseHeaders(request, response);
      co_return response;
    } catch (const std::exception& e) {
      // A handler bug: answer 500 rather than drop the connection.
      ++stats_.unexpected_exceptions;
      std::fprintf(stderr,
                   "{\"level\":\"error\",\"msg\":\"handler threw\",\"request_id\":\"%s\","
                   "\"error\":\"%s\"}\n",
                   request.request_id.c_str(), e.what());
    }
    co_return ErrorResponse(Fail(ErrorCode::kInternal, "internal error"), request.request_id);
  }

  // Whether bytes of a next request have arrived (buffered or still in the kernel).
  static bool RequestPending(beast::tcp_stream& stream, const beast::flat_buffer& buffer) {
    boost::system::error_code ec;
    return buffer.size() > 0 || (stream.socket().available(ec) > 0 && !ec);
  }

  // After an error response that ends the connection while the client may still be
  // sending (an oversized body), closing at once would reset the connection and the
  // client could lose the response. Half-close and discard what still arrives, for a
  // bounded time, so that the client reads the response (as nginx's lingering close).
  net::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      co_return;
    }
    std::array<char, 16384> sink{};
    const auto give_up = std::chrono::steady_clock::now() + kLingerTotal;
    while (std::chrono::steady_clock::now() < give_up) {
      stream.expires_after(kLingerRead);
      auto [read_ec, n] = co_await stream.async_read_some(net::buffer(sink), kAsTuple);
      if (read_ec) {
        co_return;  // End of stream, timeout, or the server closing it at shutdown.
      }
    }
  }

  static Error PayloadTooLarge() {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_PAYLOAD_TOO_LARGE",
                "request body exceeds the configured limit");
  }

  net::awaitable<void> WriteError(beast::tcp_stream& stream, const Error& error, bool close) {
    const std::string request_id = ids_.NewId();
    const HttpResponse response = ErrorResponse(error, request_id);
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), 11};
    out.set(bhttp::field::server, "amaima");
    out.set(bhttp::field::content_type, response.content_type);
    out.set("x-request-id", request_id);
    out.body() = response.body;
    out.keep_alive(!close);
    out.prepare_payload();
    stream.expires_after(options_.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, kAsTuple);
    if (close && !ec) {
      co_await LingeringClose(stream);
    }
  }

  net::io_context& io_;
  const std::vector<net::io_context*> lanes_;  // Empty: a strand of io_ per connection.
  std::size_t next_lane_{0};                   // Used by the accept loop only.
  HttpServerOptions options_;
  const RouteTable& routes_;
  IdGenerator& ids_;
  ResponseObserver observer_;
  tcp::acceptor acceptor_;  // Used on its own strand only.
  net::strand<net::io_context::executor_type> stop_strand_;
  net::steady_timer drained_;  // On stop_strand_: cancelled when the last session ends.
  std::uint16_t port_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> accept_loops_{0};
  HttpServerStats stats_;

  std::mutex sessions_mutex_;
  std::unordered_map<std::uint64_t, SessionState> sessions_;  // GUARDED_BY(sessions_mutex_)
  std::uint64_t next_session_id_{0};                          // GUARDED_BY(sessions_mutex_)
  bool waiting_for_drain_{false};                             // GUARDED_BY(sessions_mutex_)
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Create(net::io_context& io,
                                                       const HttpServerOptions& options,
                                                       const RouteTable& routes, IdGenerator& ids,
                                                       ResponseObserver observer) {
  return Create(io, {}, options, routes, ids, std::move(observer));
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(net::io_context& io,
                                                       std::vector<net::io_context*> lanes,
                                                       const HttpServerOptions& options,
                                                       const RouteTable& routes, IdGenerator& ids,
                                                       ResponseObserver observer) {
  for (const net::io_context* lane : lanes) {
    if (lane == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "an I/O lane is null");
    }
  }
  auto impl =
      std::make_unique<Impl>(io, std::move(lanes), options, routes, ids, std::move(observer));
  if (Status bound = impl->Bind(); !bound) {
    return bound.error();
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  return impl_->port();
}

void HttpServer::Start() {
  impl_->Start();
}

net::awaitable<void> HttpServer::Stop(std::chrono::milliseconds deadline) {
  co_await impl_->Stop(deadline);
}

const HttpServerStats& HttpServer::stats() const {
  return impl_->stats();
}

}  // namespace amaima::http
