#include "amaima/http/server/http_server.h"

#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "test/support/http_client.h"

namespace amaima::http {
namespace {

namespace net = boost::asio;

// A server on an ephemeral port run by two I/O threads, with a handler that
// echoes and one that waits on a gate the test opens.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_.Add("POST", "/echo", Permission::kPublic, [](HttpRequest& r) { return Echo(r); });
    routes_.Add("GET", "/gate", Permission::kPublic, [this](HttpRequest& r) { return Gated(r); });
    routes_.Add("GET", "/throw", Permission::kPublic, [](HttpRequest& r) { return Throw(r); });
    routes_.Add("GET", "/stream", Permission::kPublic,
                [this](HttpRequest& r) { return Streamed(r); });
    routes_.Add("GET", "/burst", Permission::kPublic, [](HttpRequest& r) { return Burst(r); });
    HttpServerOptions options;
    options.port = 0;
    options.body_limit_bytes = 1024;
    auto server = HttpServer::Create(io_, options, routes_, ids_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    server_->Start();
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }

  void TearDown() override {
    if (!stopped_) {
      StopServer().get();
    }
    work_.reset();
    for (auto& t : threads_) {
      t.join();
    }
  }

  std::future<void> StopServer() {
    stopped_ = true;
    return net::co_spawn(io_, server_->Stop(std::chrono::milliseconds(5000)), net::use_future);
  }

  static net::awaitable<HttpResponse> Echo(HttpRequest& request) {
    HttpResponse response;
    response.body = request.body;
    co_return response;
  }

  static net::awaitable<HttpResponse> Throw(HttpRequest& /*request*/) {
    throw std::runtime_error("handler bug");
    co_return HttpResponse{};
  }

  net::awaitable<HttpResponse> Gated(HttpRequest& /*request*/) {
    entered_.set_value();
    // Polls the gate with a local timer: race-free across I/O threads.
    while (!gate_open_.load()) {
      net::steady_timer tick(co_await net::this_coro::executor, std::chrono::milliseconds(1));
      co_await tick.async_wait(net::as_tuple(net::use_awaitable));
    }
    HttpResponse response;
    response.body = R"({"gate":"passed"})";
    co_return response;
  }

  // Sends "event 0".."event 2" 20 ms apart, or (?hang) waits for ever after the first.
  class TickStream final : public ResponseStream {
   public:
    TickStream(bool hang, std::atomic<int>& destroyed, std::atomic<int>& cancelled)
        : hang_(hang), destroyed_(destroyed), cancelled_(cancelled) {}

    ~TickStream() override { ++destroyed_; }

    net::awaitable<std::optional<std::string>> Next() override {
      if (sent_ == 3 || (hang_ && sent_ == 1 && waited_)) {
        co_return std::nullopt;
      }
      const auto delay = hang_ && sent_ == 1 ? std::chrono::hours(1) : std::chrono::hours(0);
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(delay + std::chrono::milliseconds(20));
      auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      if (ec) {
        ++cancelled_;
        co_return std::nullopt;
      }
      waited_ = sent_ == 1;
      co_return "data: event " + std::to_string(sent_++) + "\n\n";
    }

   private:
    bool hang_;
    std::atomic<int>& destroyed_;
    std::atomic<int>& cancelled_;
    int sent_{0};
    bool waited_{false};
  };

  // Three pieces that arrive together after a wait (as SSE events decoded from one upstream
  // read): after the first, the rest and the end are Ready().
  class BurstStream final : public ResponseStream {
   public:
    net::awaitable<std::optional<std::string>> Next() override {
      if (next_ == 0) {
        net::steady_timer timer(co_await net::this_coro::executor, std::chrono::milliseconds(5));
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      }
      if (next_ == 3) {
        co_return std::nullopt;
      }
      co_return "data: " + std::string(1, static_cast<char>('a' + next_++)) + "\n\n";
    }

    bool Ready() const override { return next_ > 0; }

   private:
    int next_{0};
  };

  static net::awaitable<HttpResponse> Burst(HttpRequest& /*request*/) {
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = std::make_shared<BurstStream>();
    co_return response;
  }

  net::awaitable<HttpResponse> Streamed(HttpRequest& request) {
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = std::make_shared<TickStream>(request.QueryParam("hang").has_value(),
                                                   streams_destroyed_, streams_cancelled_);
    co_return response;
  }

  std::atomic<int> streams_destroyed_{0};
  std::atomic<int> streams_cancelled_{0};
  net::io_context io_{2};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(io_)};
  RouteTable routes_;
  SystemClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::promise<void> entered_;
  std::atomic<bool> gate_open_{false};
  bool stopped_{false};
};

TEST_F(HttpServerTest, ServesManyRequestsOnOneKeepAliveConnection) {
  testing::HttpClient client(server_->port());

  for (int i = 0; i < 20; ++i) {
    const auto response = client.Post("/echo", "ping " + std::to_string(i));
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ping " + std::to_string(i));
    EXPECT_TRUE(response.keep_alive);
    EXPECT_EQ(response.headers.at("x-request-id").size(), 36U);
  }

  EXPECT_EQ(server_->stats().connections_accepted.load(), 1U);
}

TEST_F(HttpServerTest, StreamsAChunkedBodyAndKeepsTheConnection) {
  testing::HttpClient client(server_->port());

  const auto streamed = client.Get("/stream");
  const auto after = client.Post("/echo", "next");

  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.headers.at("content-type"), "text/event-stream");
  EXPECT_EQ(streamed.headers.at("transfer-encoding"), "chunked");
  EXPECT_EQ(streamed.body, "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
  EXPECT_EQ(after.body, "next");
  EXPECT_EQ(server_->stats().connections_accepted.load(), 1U);
}

TEST_F(HttpServerTest, PiecesAlreadyAtHandGoOutInOneChunkWithTheEnd) {
  const int fd = testing::ConnectRaw(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::WriteRaw(fd, "GET /burst HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string raw = testing::ReadUntilClose(fd);
  ::close(fd);
  const std::size_t body = raw.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << raw;
  EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos) << raw;
  // One chunk of 27 bytes (0x1b), then the last chunk: one write, not four.
  EXPECT_EQ(raw.substr(body + 4), "1b\r\ndata: a\n\ndata: b\n\ndata: c\n\n\r\n0\r\n\r\n");
}

TEST_F(HttpServerTest, AClientThatGoesAwayCancelsItsStreamPromptly) {
  const int fd = testing::ConnectRaw(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::WriteRaw(fd, "GET /stream?hang HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string seen;
  char buffer[512];
  while (seen.find("event 0") == std::string::npos) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    seen.append(buffer, static_cast<std::size_t>(n));
  }

  ::close(fd);  // while the stream waits (an hour) for its next piece

  for (int i = 0; i < 2000 && streams_destroyed_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(streams_cancelled_.load(), 1);
  EXPECT_EQ(streams_destroyed_.load(), 1);
  testing::HttpClient client(server_->port());
  EXPECT_EQ(client.Post("/echo", "alive").status, 200);
}

TEST_F(HttpServerTest, OversizedBodyIs413AndAHandlerExceptionIs500) {
  testing::HttpClient client(server_->port());

  EXPECT_EQ(client.Post("/echo", std::string(4096, 'x')).status, 413);
  EXPECT_EQ(client.Get("/throw").status, 500);
  EXPECT_EQ(client.Post("/echo", "still alive").status, 200);
  EXPECT_EQ(server_->stats().unexpected_exceptions.load(), 1U);
}

TEST_F(HttpServerTest, StopLetsTheRequestInFlightFinishAndClosesIdleConnections) {
  testing::HttpClient idle(server_->port());
  ASSERT_EQ(idle.Post("/echo", "x").status, 200);
  auto in_flight = std::async(std::launch::async, [this] {
    testing::HttpClient client(server_->port());
    return client.Get("/gate");
  });
  entered_.get_future().wait();

  std::future<void> stopped = StopServer();
  // New connections are refused once the listener has closed.
  int probe = testing::ConnectRaw(server_->port());
  for (int i = 0; i < 1000 && probe >= 0; ++i) {
    ::close(probe);
    std::this_thread::yield();
    probe = testing::ConnectRaw(server_->port());
  }
  EXPECT_LT(probe, 0);
  gate_open_.store(true);
  const testing::ClientResponse response = in_flight.get();
  stopped.get();

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"gate":"passed"})");
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(server_->stats().active_connections.load(), 0);
}

// Lanes: `io` (the listener, and lane 0) and a second io_context, each run by one thread.
class HttpServerLanesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_.Add("GET", "/where", Permission::kPublic, [this](HttpRequest& r) { return Where(r); });
    HttpServerOptions options;
    options.port = 0;
    auto server = HttpServer::Create(io_, {&io_, &lane_}, options, routes_, ids_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    server_->Start();
    threads_.emplace_back([this] { io_.run(); });
    threads_.emplace_back([this] { lane_.run(); });
  }

  void TearDown() override {
    if (!stopped_) {
      StopServer().get();
    }
    io_work_.reset();
    lane_work_.reset();
    for (auto& t : threads_) {
      t.join();
    }
  }

  // Answers with the thread it started on and the thread it ended on after a timer
  // (?wait holds it until the gate opens): "<start> <end>".
  net::awaitable<HttpResponse> Where(HttpRequest& request) {
    const std::thread::id started = std::this_thread::get_id();
    if (request.QueryParam("wait").has_value()) {
      entered_.set_value();
    }
    do {
      net::steady_timer tick(co_await net::this_coro::executor, std::chrono::milliseconds(1));
      co_await tick.async_wait(net::as_tuple(net::use_awaitable));
    } while (request.QueryParam("wait").has_value() && !gate_open_.load());
    HttpResponse response;
    response.body = Name(started) + " " + Name(std::this_thread::get_id());
    co_return response;
  }

  std::future<void> StopServer() {
    stopped_ = true;
    return net::co_spawn(io_, server_->Stop(std::chrono::milliseconds(5000)), net::use_future);
  }

  std::string Name(std::thread::id id) const {
    if (id == threads_.at(0).get_id()) {
      return "io";
    }
    if (id == threads_.at(1).get_id()) {
      return "lane";
    }
    return "other";
  }

  net::io_context io_{1};
  net::io_context lane_{1};
  net::executor_work_guard<net::io_context::executor_type> io_work_{net::make_work_guard(io_)};
  net::executor_work_guard<net::io_context::executor_type> lane_work_{net::make_work_guard(lane_)};
  RouteTable routes_;
  SystemClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::promise<void> entered_;
  std::atomic<bool> gate_open_{false};
  bool stopped_{false};
};

TEST_F(HttpServerLanesTest, ConnectionsTakeTheLanesInTurnAndStayOnTheirThread) {
  std::vector<std::unique_ptr<testing::HttpClient>> clients;
  std::vector<std::string> seen;
  for (int c = 0; c < 4; ++c) {
    clients.push_back(std::make_unique<testing::HttpClient>(server_->port()));
    // The first request makes the server accept the connection before the next one.
    const auto first = clients.back()->Get("/where");
    ASSERT_EQ(first.status, 200);
    seen.push_back(first.body);
  }
  for (int round = 0; round < 5; ++round) {
    for (int c = 0; c < 4; ++c) {
      const auto response = clients[static_cast<std::size_t>(c)]->Get("/where");
      ASSERT_EQ(response.status, 200);
      EXPECT_EQ(response.body, seen[static_cast<std::size_t>(c)]) << "connection " << c;
    }
  }

  EXPECT_EQ(seen, (std::vector<std::string>{"io io", "lane lane", "io io", "lane lane"}));
}

TEST_F(HttpServerLanesTest, StopWaitsForARequestInFlightOnAnotherLane) {
  testing::HttpClient first(server_->port());
  ASSERT_EQ(first.Get("/where").body, "io io");
  auto in_flight = std::async(std::launch::async, [this] {
    testing::HttpClient client(server_->port());
    return client.Get("/where?wait");
  });
  entered_.get_future().wait();

  std::future<void> stopped = StopServer();
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  gate_open_.store(true);
  const testing::ClientResponse response = in_flight.get();
  stopped.get();

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "lane lane");
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(server_->stats().active_connections.load(), 0);
}

TEST(HttpServerLanesCreateTest, ANullLaneIsRefused) {
  net::io_context io;
  RouteTable routes;
  SystemClock clock;
  IdGenerator ids{clock};
  HttpServerOptions options;
  options.port = 0;

  auto server = HttpServer::Create(io, {&io, nullptr}, options, routes, ids);

  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace amaima::http
