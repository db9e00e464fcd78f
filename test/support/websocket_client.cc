#include "test/support/websocket_client.h"

#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "test/support/test_credentials.h"

namespace amaima::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

class WebSocketClient::Impl {
 public:
  Impl(std::uint16_t port, std::string_view target) : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    if (target.find("token=") == std::string_view::npos) {  // else the URL carries one
      ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
        request.set(bhttp::field::authorization, "Bearer " + std::string(kTestAdminKey));
      }));
    }
    ws_.handshake("127.0.0.1:" + std::to_string(port), std::string(target));
  }

  bool Send(std::string_view text) {
    boost::system::error_code ec;
    ws_.text(true);
    ws_.write(net::buffer(text.data(), text.size()), ec);
    return !ec;
  }

  WsReceived Receive(std::chrono::milliseconds timeout) {
    WsReceived out;
    if (gone_) {
      out.closed = true;
      out.close_code = close_code_;
      return out;
    }
    std::optional<boost::system::error_code> result;
    buffer_.consume(buffer_.size());
    ws_.async_read(buffer_,
                   [&result](boost::system::error_code ec, std::size_t /*bytes*/) { result = ec; });
    io_.restart();
    io_.run_for(timeout);
    if (!result) {
      // Drop the connection; run the aborted read to completion.
      beast::get_lowest_layer(ws_).close();
      io_.restart();
      io_.run();
      gone_ = true;
      out.timed_out = true;
      out.closed = true;
      return out;
    }
    if (*result) {
      gone_ = true;
      // The close frame's code, also when the teardown after it failed (the server may
      // close the socket before our own close frame reached it).
      close_code_ = ws_.reason().code;
      out.closed = true;
      out.close_code = close_code_;
      return out;
    }
    out.text = beast::buffers_to_string(buffer_.data());
    return out;
  }

  void Close() {
    if (gone_) {
      return;
    }
    boost::system::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
    gone_ = true;
  }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool gone_{false};
  std::uint16_t close_code_{0};
};

WebSocketClient::WebSocketClient(std::uint16_t port, std::string_view target)
    : impl_(std::make_unique<Impl>(port, target)) {}

WebSocketClient::~WebSocketClient() = default;

bool WebSocketClient::Send(std::string_view text) {
  return impl_->Send(text);
}

WsReceived WebSocketClient::Receive(std::chrono::milliseconds timeout) {
  return impl_->Receive(timeout);
}

void WebSocketClient::Close() {
  impl_->Close();
}

int TryWebSocketUpgrade(std::uint16_t port, std::string_view target, bool upgrade) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, std::string(target), 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.set(bhttp::field::authorization, "Bearer " + std::string(kTestAdminKey));
  if (upgrade) {
    request.set(bhttp::field::connection, "Upgrade");
    request.set(bhttp::field::upgrade, "websocket");
    request.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    request.set(bhttp::field::sec_websocket_version, "13");
  }
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  boost::system::error_code ec;
  bhttp::read(stream, buffer, response, ec);
  if (ec) {
    return 0;
  }
  return response.result_int();
}

}  // namespace amaima::testing
