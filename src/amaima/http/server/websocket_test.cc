// The WebSocket upgrade of HttpServer, driven by a Beast client over loopback.
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/http/server/http_server.h"
#include "test/support/websocket_client.h"

namespace amaima::http {
namespace {

namespace net = boost::asio;
using testing::WebSocketClient;
using testing::WsReceived;

constexpr int kWriters = 4;
constexpr int kMessagesPerWriter = 50;

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_.Add("GET", "/ws", Permission::kPublic, [this](HttpRequest& r) { return Upgrade(r); });
    HttpServerOptions options;
    options.port = 0;
    options.body_limit_bytes = 1024;
    options.websocket_close_timeout = std::chrono::milliseconds(2000);
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

  net::awaitable<HttpResponse> Upgrade(HttpRequest& request) {
    HttpResponse response;
    const std::string mode = request.QueryParam("mode").value_or("echo");
    response.websocket = [this, mode](WebSocketConnection& c) {
      return Serve(c, mode);
    };
    co_return response;
  }

  // "echo": echoes every message until the connection ends. "policy": closes with 1008
  // after the first message. "burst": on the first message, kWriters coroutines write
  // kMessagesPerWriter messages each, at once.
  net::awaitable<void> Serve(WebSocketConnection& connection, std::string mode) {
    for (;;) {
      Result<std::string> message = co_await connection.Read();
      if (!message) {
        last_read_error_.set_value(message.error().reason);
        co_return;
      }
      if (mode == "policy") {
        co_await connection.Close(CloseCode::kPolicyViolation, "go away");
        continue;
      }
      if (mode == "burst") {
        using namespace net::experimental::awaitable_operators;  // NOLINT
        auto a = Burst(connection, 0);
        auto b = Burst(connection, 1);
        auto c = Burst(connection, 2);
        auto d = Burst(connection, 3);
        co_await (std::move(a) && std::move(b) && std::move(c) && std::move(d));
        continue;
      }
      Status written = co_await connection.Write(std::move(*message));
      EXPECT_TRUE(written);
    }
  }

  static net::awaitable<void> Burst(WebSocketConnection& connection, int writer) {
    for (int i = 0; i < kMessagesPerWriter; ++i) {
      const std::string text = "writer " + std::to_string(writer) + " message " + std::to_string(i)
                               + " "
                               + std::string(static_cast<std::size_t>(100 + writer * 37), 'x');
      Status written = co_await connection.Write(text);
      EXPECT_TRUE(written);
    }
  }

  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_{io_.get_executor()};
  SystemClock clock_;
  IdGenerator ids_{clock_};
  RouteTable routes_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  bool stopped_{false};
  std::promise<std::string> last_read_error_;
};

TEST_F(WebSocketTest, EchoesMessagesOverAnUpgradedConnection) {
  WebSocketClient client(server_->port(), "/ws");

  ASSERT_TRUE(client.Send("hello"));
  const WsReceived first = client.Receive();
  ASSERT_TRUE(client.Send("again"));
  const WsReceived second = client.Receive();
  client.Close();

  EXPECT_EQ(first.text, "hello");
  EXPECT_EQ(second.text, "again");
  EXPECT_EQ(last_read_error_.get_future().get(), "WS_CLOSED");
}

TEST_F(WebSocketTest, APlainGetOnAWebSocketRouteIsRefused) {
  EXPECT_EQ(testing::TryWebSocketUpgrade(server_->port(), "/ws", /*upgrade=*/false), 400);
  EXPECT_EQ(testing::TryWebSocketUpgrade(server_->port(), "/ws", /*upgrade=*/true), 101);
}

TEST_F(WebSocketTest, ConcurrentWritesArriveWholeAndInOrderPerWriter) {
  WebSocketClient client(server_->port(), "/ws?mode=burst");

  ASSERT_TRUE(client.Send("go"));
  std::vector<int> next(kWriters, 0);
  for (int i = 0; i < kWriters * kMessagesPerWriter; ++i) {
    const WsReceived received = client.Receive();
    ASSERT_FALSE(received.closed);
    const int writer = received.text[7] - '0';
    ASSERT_GE(writer, 0);
    ASSERT_LT(writer, kWriters);
    const std::string expected = "writer " + std::to_string(writer) + " message "
                                 + std::to_string(next[writer]++) + " "
                                 + std::string(static_cast<std::size_t>(100 + writer * 37), 'x');
    EXPECT_EQ(received.text, expected);
  }
  client.Close();
}

TEST_F(WebSocketTest, AMessageOverTheBodyLimitClosesWith1009) {
  WebSocketClient client(server_->port(), "/ws");

  ASSERT_TRUE(client.Send(std::string(2048, 'a')));
  const WsReceived received = client.Receive();

  EXPECT_TRUE(received.closed);
  EXPECT_EQ(received.close_code, 1009);
  EXPECT_EQ(last_read_error_.get_future().get(), "VALIDATION_PAYLOAD_TOO_LARGE");
}

TEST_F(WebSocketTest, TheHandlerClosesWithItsCode) {
  WebSocketClient client(server_->port(), "/ws?mode=policy");

  ASSERT_TRUE(client.Send("anything"));
  const WsReceived received = client.Receive();

  EXPECT_TRUE(received.closed);
  EXPECT_EQ(received.close_code, 1008);
}

TEST_F(WebSocketTest, StopClosesWebSocketsWith1001) {
  WebSocketClient client(server_->port(), "/ws");
  ASSERT_TRUE(client.Send("ready?"));
  ASSERT_EQ(client.Receive().text, "ready?");  // The connection is upgraded and served.
  EXPECT_EQ(server_->stats().active_websockets.load(), 1);

  std::future<void> stopped = StopServer();
  const WsReceived received = client.Receive();
  stopped.get();

  EXPECT_TRUE(received.closed);
  EXPECT_EQ(received.close_code, 1001);
  EXPECT_EQ(server_->stats().active_websockets.load(), 0);
  EXPECT_EQ(server_->stats().active_connections.load(), 0);
}

}  // namespace
}  // namespace amaima::http
