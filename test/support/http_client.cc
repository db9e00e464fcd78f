#include "test/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace amaima::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

class HttpClient::Impl {
 public:
  Impl(std::uint16_t port, std::string credential)
      : port_(port), credential_(std::move(credential)), stream_(io_) {}

  ClientResponse Request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view content_type,
                         const std::map<std::string, std::string>& headers) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!connected_) {
        Connect();
      }
      bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
      request.set(bhttp::field::host, "127.0.0.1");
      if (!content_type.empty()) {
        request.set(bhttp::field::content_type, content_type);
      }
      if (!credential_.empty() && !headers.contains("authorization")
          && !headers.contains("x-api-key")) {
        request.set(bhttp::field::authorization, "Bearer " + credential_);
      }
      for (const auto& [name, value] : headers) {
        request.set(name, value);
      }
      request.body() = std::string(body);
      request.prepare_payload();
      beast::error_code ec;
      bhttp::write(stream_, request, ec);
      if (!ec) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 << 20);
        parser.skip(method == "HEAD");  // A HEAD response's Content-Length has no body behind it.
        bhttp::read(stream_, buffer_, parser, ec);
        if (!ec) {
          auto& message = parser.get();
          ClientResponse response;
          response.status = static_cast<int>(message.result_int());
          for (const auto& field : message) {
            std::string name(field.name_string());
            for (char& c : name) {
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            response.headers[name] = std::string(field.value());
          }
          response.body = message.body();
          response.keep_alive = message.keep_alive();
          if (!response.keep_alive) {
            Close();
          }
          return response;
        }
      }
      // The server closed an idle keep-alive connection: retry once on a new one.
      Close();
      if (attempt == 1) {
        throw std::runtime_error("HTTP request failed: " + ec.message());
      }
    }
    throw std::runtime_error("unreachable");
  }

 private:
  void Connect() {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    connected_ = true;
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    connected_ = false;
  }

  std::uint16_t port_;
  std::string credential_;
  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_{false};
};

HttpClient::HttpClient(std::uint16_t port, std::string credential)
    : impl_(new Impl(port, std::move(credential))) {}

HttpClient::~HttpClient() {
  delete impl_;
}

ClientResponse HttpClient::Request(std::string_view method, std::string_view target,
                                   std::string_view body, std::string_view content_type,
                                   const std::map<std::string, std::string>& headers) {
  return impl_->Request(method, target, body, content_type, headers);
}

int ConnectRaw(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteRaw(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string ReadUntilClose(int fd, std::size_t max_bytes) {
  std::string out;
  char buffer[4096];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace amaima::testing
