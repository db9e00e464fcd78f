#include "test/support/fake_provider/fake_provider.h"

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>

#include "test/support/fake_provider/fake_provider_state.h"
#include "test/support/fake_provider/fake_responder.h"
#include "test/support/fake_provider/response_writer.h"

namespace amaima::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Socket = net::ip::tcp::socket;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr auto kStopDeadline = std::chrono::seconds(5);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

IncomingRequest ToIncoming(bhttp::request<bhttp::string_body>& message) {
  IncomingRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const std::size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) {
    request.query = request.target.substr(question + 1);
  }
  for (const auto& field : message) {
    request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace

class FakeProvider::Impl {
 public:
  explicit Impl(FakeProviderOptions options)
      : options_(std::move(options)),
        state_(options_.record_requests, options_.max_recorded_requests),
        responder_(options_, state_),
        io_(options_.threads),
        acceptor_(net::make_strand(io_)) {}

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  // Stop() throws only if a mutex or a join fails, a bug that should terminate.
  ~Impl() { Stop(); }  // NOLINT(bugprone-exception-escape)

  Status Bind() {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options_.host, ec);
    if (ec) {
      return Fail(ErrorCode::kInvalidArgument, "invalid listen address '" + options_.host + "'");
    }
    const net::ip::tcp::endpoint endpoint(address, options_.port);
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

  // Starts the accept loop and the threads.
  void Run() {
    accept_loop_running_ = true;
    // The loop borrows `this`; Stop() ends it and joins the threads before `this` dies.
    net::co_spawn(acceptor_.get_executor(), AcceptLoop(), net::detached);
    threads_.reserve(static_cast<std::size_t>(options_.threads));
    for (int i = 0; i < options_.threads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        return;
      }
      stopping_ = true;
      for (const auto& [id, session] : sessions_) {
        net::post(session.strand, [this, id = id] { CloseSession(id); });
      }
    }
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Closing the sockets cancels every wait of every session, so they end promptly.
      drained_.wait_for(lock, kStopDeadline,
                        [this] { return sessions_.empty() && !accept_loop_running_; });
    }
    io_.stop();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) {
        thread.join();
      }
    }
  }

  std::uint16_t port() const { return port_; }

  FakeProviderState& state() { return state_; }

  FakeResponder& responder() { return responder_; }

 private:
  struct Session {
    Socket* socket{nullptr};
    net::any_io_executor strand{};
  };

  net::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(io_), kAsTuple);
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
          break;
        }
        continue;  // EMFILE, ECONNABORTED...: keep accepting.
      }
      state_.CountConnection();
      boost::system::error_code ignored;
      socket.set_option(net::ip::tcp::no_delay(true), ignored);
      auto executor = socket.get_executor();
      net::co_spawn(executor, RunSession(std::move(socket)), net::detached);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      accept_loop_running_ = false;
    }
    drained_.notify_all();
  }

  // Registers the session so that Stop() can close it; returns 0 when stopping.
  std::uint64_t Register(Socket& socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return 0;
    }
    const std::uint64_t id = ++next_session_id_;
    sessions_.emplace(id, Session{&socket, socket.get_executor()});
    return id;
  }

  void Unregister(std::uint64_t id) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sessions_.erase(id);
    }
    drained_.notify_all();
  }

  // Runs on the session's strand, so the session cannot be using the socket meanwhile.
  void CloseSession(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      boost::system::error_code ignored;
      it->second.socket->close(ignored);
    }
  }

  net::awaitable<void> RunSession(Socket socket) {
    const std::uint64_t id = Register(socket);
    if (id == 0) {
      co_return;
    }
    try {
      co_await Serve(socket);
    } catch (const std::exception& e) {
      // The session's one catch-all: report and drop the connection.
      std::fprintf(stderr,
                   "{\"level\":\"error\",\"msg\":\"fake provider session failed\","
                   "\"error\":\"%s\"}\n",
                   e.what());
    }
    boost::system::error_code ignored;
    socket.shutdown(Socket::shutdown_both, ignored);
    socket.close(ignored);
    Unregister(id);
  }

  net::awaitable<void> Serve(Socket& socket) {
    beast::flat_buffer buffer;
    while (socket.is_open()) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(options_.body_limit_bytes);
      auto [header_ec, header_bytes] =
          co_await bhttp::async_read_header(socket, buffer, parser, kAsTuple);
      if (header_ec) {
        co_return;
      }
      if (bhttp::token_list(parser.get()[bhttp::field::expect]).exists("100-continue")) {
        // curl asks before sending bodies over 1 KiB; without this it stalls a second.
        auto [continue_ec, continue_bytes] = co_await net::async_write(
            socket, net::buffer(kContinue.data(), kContinue.size()), kAsTuple);
        if (continue_ec) {
          co_return;
        }
      }
      auto [ec, n] = co_await bhttp::async_read(socket, buffer, parser, kAsTuple);
      if (ec) {
        co_return;
      }
      bhttp::request<bhttp::string_body> message = parser.release();
      const bool keep_alive = message.keep_alive();
      const ResponsePlan plan = responder_.Respond(ToIncoming(message), keep_alive);
      WriteProgress progress;
      co_await SendResponse(socket, buffer, plan, progress);
      if (progress.state == RequestState::kInFlight) {
        progress.state = RequestState::kAborted;
      }
      if (plan.seq != 0) {
        state_.Finish(plan.seq, progress.state, progress.status, progress.chunks);
      }
      if (progress.state != RequestState::kCompleted || plan.close) {
        co_return;
      }
    }
  }

  const FakeProviderOptions options_;
  FakeProviderState state_;
  FakeResponder responder_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_;  // Used on its own strand only.
  std::uint16_t port_{0};
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable drained_;  // Signalled when a session or the accept loop ends.
  bool stopping_{false};             // GUARDED_BY(mutex_)
  bool accept_loop_running_{false};  // GUARDED_BY(mutex_)
  std::unordered_map<std::uint64_t, Session> sessions_;  // GUARDED_BY(mutex_)
  std::uint64_t next_session_id_{0};                     // GUARDED_BY(mutex_)
};

FakeProvider::FakeProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeProvider::~FakeProvider() = default;

Result<std::unique_ptr<FakeProvider>> FakeProvider::Start(FakeProviderOptions options) {
  if (options.threads < 1) {
    return Fail(ErrorCode::kInvalidArgument, "threads must be at least 1");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Status bound = impl->Bind(); !bound) {
    return bound.error();
  }
  impl->Run();
  return std::unique_ptr<FakeProvider>(new FakeProvider(std::move(impl)));
}

std::uint16_t FakeProvider::port() const {
  return impl_->port();
}

std::string FakeProvider::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port());
}

void FakeProvider::SetScript(std::vector<FakeRule> rules) {
  impl_->state().SetScript(std::move(rules));
}

void FakeProvider::AddRule(FakeRule rule) {
  impl_->state().AddRule(std::move(rule));
}

Status FakeProvider::SetScriptJson(std::string_view json_text) {
  Result<std::vector<FakeRule>> rules = ParseRules(json_text);
  if (!rules) {
    return rules.error();
  }
  impl_->state().SetScript(std::move(*rules));
  return {};
}

void FakeProvider::SetFixedResponse(std::optional<FixedResponse> fixed) {
  impl_->responder().SetFixedResponse(std::move(fixed));
}

void FakeProvider::Reset() {
  impl_->state().Reset();
  impl_->responder().SetFixedResponse(std::nullopt);
}

std::vector<RecordedRequest> FakeProvider::requests() const {
  return impl_->state().Requests();
}

FakeProviderCounters FakeProvider::counters() const {
  return impl_->state().Counters();
}

bool FakeProvider::WaitFor(const std::function<bool(const FakeProviderCounters&)>& done,
                           std::chrono::milliseconds timeout) const {
  return impl_->state().WaitFor(done, timeout);
}

void FakeProvider::Stop() {
  impl_->Stop();
}

}  // namespace amaima::testing
