#include "amaima/http/client/fake_upstream.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

namespace amaima::http::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Tcp = net::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr milliseconds kTick{2};
constexpr milliseconds kLongestHold{10000};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string EncodeChunk(std::string_view data) {
  std::array<char, 32> size{};
  const int n = std::snprintf(size.data(), size.size(), "%zx\r\n", data.size());
  std::string out(size.data(), static_cast<std::size_t>(n));
  out.append(data).append("\r\n");
  return out;
}

std::string EncodeHead(const Reply& reply) {
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
  for (const auto& [name, value] : reply.headers) {
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (reply.framing == Framing::kContentLength) {
    std::size_t length = 0;
    for (const std::string& chunk : reply.chunks) {
      length += chunk.size();
    }
    head.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
  } else if (reply.framing == Framing::kChunked) {
    head.append("Transfer-Encoding: chunked\r\n");
  } else {
    head.append("Connection: close\r\n");
  }
  return head.append("\r\n");
}

}  // namespace

class FakeUpstream::Impl {
 public:
  Impl(ReplyFunction reply, std::optional<FakeUpstreamTls> tls)
      : reply_(std::move(reply)), acceptor_(io_) {
    if (tls) {
      tls_context_.emplace(net::ssl::context::tls_server);
      tls_context_->use_certificate_chain(net::buffer(tls->cert_pem));
      tls_context_->use_private_key(net::buffer(tls->key_pem), net::ssl::context::pem);
    }
    const Tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, AcceptLoop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  // join() throws only when misused; terminating then is right.
  ~Impl() { Stop(); }  // NOLINT(bugprone-exception-escape)

  void Stop() {
    if (stopped_.exchange(true)) {
      return;
    }
    net::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (Tcp::socket* socket : sockets_) {
        socket->close(ignored);
      }
    });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

  bool tls() const { return tls_context_.has_value(); }

  void Release() { released_ = true; }

  std::size_t connections_accepted() const { return connections_.load(); }

  std::size_t requests() const { return requests_.load(); }

  std::size_t chunks_sent() const { return chunks_sent_.load(); }

  std::size_t client_closes() const { return client_closes_.load(); }

  std::size_t server_closes() const { return server_closes_.load(); }

  std::vector<ReceivedRequest> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

  std::string last_server_name() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_server_name_;
  }

 private:
  // Keeps a session's socket where Stop() can close it, for the session's life.
  class Registration {
   public:
    Registration(std::set<Tcp::socket*>& sockets, Tcp::socket& socket)
        : sockets_(sockets), socket_(&socket) {
      sockets_.insert(socket_);
    }

    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration(Registration&&) = delete;
    Registration& operator=(Registration&&) = delete;

    ~Registration() { sockets_.erase(socket_); }

   private:
    std::set<Tcp::socket*>& sockets_;
    Tcp::socket* socket_;
  };

  net::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kAsTuple);
      if (ec) {
        co_return;
      }
      const std::size_t id = ++connections_;
      boost::system::error_code ignored;
      socket.set_option(Tcp::no_delay(true), ignored);  // Head and body go out as written.
      net::co_spawn(io_, Session(std::move(socket), id), net::detached);
    }
  }

  net::awaitable<void> Session(Tcp::socket socket, std::size_t id) {
    if (stopping_) {
      co_return;
    }
    if (tls_context_) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_context_);
      const Registration registration(sockets_, beast::get_lowest_layer(stream).socket());
      auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, kAsTuple);
      if (ec) {
        co_return;
      }
      const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last_server_name_ = name != nullptr ? name : "";
      }
      co_await Serve(stream, id);
    } else {
      beast::tcp_stream stream(std::move(socket));
      const Registration registration(sockets_, stream.socket());
      co_await Serve(stream, id);
    }
  }

  template <typename Stream>
  net::awaitable<void> Serve(Stream& stream, std::size_t id) {
    beast::flat_buffer buffer;
    for (std::size_t index = 0; !stopping_; ++index) {
      bhttp::request<bhttp::string_body> request;
      auto [read_ec, read_bytes] = co_await bhttp::async_read(stream, buffer, request, kAsTuple);
      if (read_ec) {
        if (!stopping_) {
          ++client_closes_;
        }
        co_return;
      }
      ReceivedRequest received;
      received.method = std::string(request.method_string());
      received.target = std::string(request.target());
      for (const auto& field : request) {
        received.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
      }
      received.body = request.body();
      received.connection = id;
      received.index_on_connection = index;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(received);
      }
      ++requests_;
      const Reply reply = reply_(received);
      if (reply.drop_request) {
        Close(stream, false);
        co_return;
      }
      const bool keep_going = co_await Answer(stream, reply);
      if (!keep_going) {
        co_return;
      }
    }
  }

  // Writes `reply`; returns whether the connection stays open for another request.
  template <typename Stream>
  net::awaitable<bool> Answer(Stream& stream, const Reply& reply) {
    co_await Sleep(reply.header_delay);
    const bool head_written = co_await Write(stream, EncodeHead(reply));
    if (!head_written) {
      co_return false;
    }
    for (std::size_t i = 0; i < reply.chunks.size() && !reply.head_only; ++i) {
      if (i > 0) {
        co_await Sleep(reply.chunk_delay);
      }
      if (reply.hold_last_chunk && i + 1 == reply.chunks.size()) {
        co_await WaitForRelease();
      }
      const std::string data =
          reply.framing == Framing::kChunked ? EncodeChunk(reply.chunks[i]) : reply.chunks[i];
      const bool written = co_await Write(stream, data);
      if (!written) {
        co_return false;
      }
      ++chunks_sent_;
    }
    const bool keep_open = co_await End(stream, reply);
    co_return keep_open;
  }

  // Ends `reply` after its chunks; returns whether the connection stays open.
  template <typename Stream>
  net::awaitable<bool> End(Stream& stream, const Reply& reply) {
    if (reply.reset_after_chunks) {
      Close(stream, true);
      co_return false;
    }
    if (reply.await_client_close) {
      std::array<char, 256> sink{};
      for (;;) {
        auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), kAsTuple);
        if (ec) {
          if (!stopping_) {
            ++client_closes_;
          }
          co_return false;
        }
      }
    }
    if (reply.framing == Framing::kChunked && !reply.head_only) {
      const bool ended = co_await Write(stream, "0\r\n\r\n");
      if (!ended) {
        co_return false;
      }
    }
    if (reply.framing == Framing::kUntilClose || reply.close_after) {
      Close(stream, false);
      co_return false;
    }
    co_return true;
  }

  template <typename Stream>
  net::awaitable<bool> Write(Stream& stream, std::string data) {
    if (stopping_) {
      co_return false;
    }
    auto [ec, n] = co_await net::async_write(stream, net::buffer(data), kAsTuple);
    co_return !ec;
  }

  template <typename Stream>
  void Close(Stream& stream, bool reset) {
    ++server_closes_;
    Tcp::socket& socket = beast::get_lowest_layer(stream).socket();
    boost::system::error_code ignored;
    if (reset) {
      socket.set_option(net::socket_base::linger(true, 0), ignored);
    } else {
      socket.shutdown(Tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
  }

  net::awaitable<void> Sleep(milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (!stopping_ && std::chrono::steady_clock::now() < end) {
      net::steady_timer tick(io_, std::min<std::chrono::steady_clock::duration>(
                                      kTick * 5, end - std::chrono::steady_clock::now()));
      co_await tick.async_wait(kAsTuple);
    }
  }

  net::awaitable<void> WaitForRelease() {
    const auto end = std::chrono::steady_clock::now() + kLongestHold;
    while (!stopping_ && !released_ && std::chrono::steady_clock::now() < end) {
      net::steady_timer tick(io_, kTick);
      co_await tick.async_wait(kAsTuple);
    }
  }

  const ReplyFunction reply_;
  std::optional<net::ssl::context> tls_context_;
  // Declared before io_ so that it outlives any session frame io_ destroys.
  std::set<Tcp::socket*> sockets_;  // Server thread only.
  net::io_context io_;
  Tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint16_t port_{0};
  std::atomic<bool> stopped_{false};
  bool stopping_{false};  // Server thread only.
  std::atomic<bool> released_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> chunks_sent_{0};
  std::atomic<std::size_t> client_closes_{0};
  std::atomic<std::size_t> server_closes_{0};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> received_;  // GUARDED_BY(mutex_)
  std::string last_server_name_;           // GUARDED_BY(mutex_)
};

FakeUpstream::FakeUpstream(ReplyFunction reply, std::optional<FakeUpstreamTls> tls)
    : impl_(std::make_unique<Impl>(std::move(reply), std::move(tls))) {}

FakeUpstream::~FakeUpstream() = default;

std::uint16_t FakeUpstream::port() const {
  return impl_->port();
}

std::string FakeUpstream::Url(std::string_view target, std::string_view host) const {
  return std::string(impl_->tls() ? "https://" : "http://") + std::string(host) + ":"
         + std::to_string(impl_->port()) + std::string(target);
}

void FakeUpstream::Release() {
  impl_->Release();
}

void FakeUpstream::Stop() {
  impl_->Stop();
}

std::size_t FakeUpstream::connections_accepted() const {
  return impl_->connections_accepted();
}

std::size_t FakeUpstream::requests() const {
  return impl_->requests();
}

std::size_t FakeUpstream::chunks_sent() const {
  return impl_->chunks_sent();
}

std::size_t FakeUpstream::client_closes() const {
  return impl_->client_closes();
}

std::size_t FakeUpstream::server_closes() const {
  return impl_->server_closes();
}

std::vector<ReceivedRequest> FakeUpstream::received() const {
  return impl_->received();
}

std::string FakeUpstream::last_server_name() const {
  return impl_->last_server_name();
}

}  // namespace amaima::http::testing
