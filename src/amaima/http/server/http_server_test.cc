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
    routes_.Add("POST", "/echo", [](HttpRequest& r) { return Echo(r); });
    routes_.Add("GET", "/gate", [this](HttpRequest& r) { return Gated(r); });
    routes_.Add("GET", "/throw", [](HttpRequest& r) { return Throw(r); });
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

}  // namespace
}  // namespace amaima::http
