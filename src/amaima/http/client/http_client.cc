#include "amaima/http/client/http_client.h"

#include <atomic>
#include <utility>

#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include "amaima/core/clock.h"
#include "amaima/http/client/connection_pool.h"
#include "amaima/http/client/request_head.h"
#include "amaima/http/client/tls_context.h"
#include "amaima/http/client/upstream_connection.h"
#include "amaima/http/client/upstream_errors.h"
#include "amaima/http/client/upstream_exchange.h"
#include "amaima/http/client/url.h"

namespace amaima::http {

namespace net = boost::asio;

namespace {

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return std::string_view{value};
    }
  }
  return std::nullopt;
}

Error CancelledError() {
  return Fail(ErrorCode::kCancelled, std::string(kUpstreamCancelled), "upstream call cancelled");
}

// Asio throws operation_aborted from a co_await that starts after the awaiting
// coroutine was cancelled (throw_if_cancelled); that is a cancellation, not a bug.
bool IsCancellation(const boost::system::system_error& e) {
  return e.code() == net::error::operation_aborted;
}

}  // namespace

std::optional<std::string_view> ClientResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

class HttpClient::Impl {
 public:
  Impl(const HttpClientOptions& options, std::unique_ptr<net::ssl::context> tls_context,
       const Clock* clock)
      : options_(options),
        tls_context_(std::move(tls_context)),
        clock_(clock != nullptr ? *clock : system_clock_),
        pool_(options.max_idle_per_host, options.idle_timeout, clock_) {}

  // Sends the request and reads the response header, on a pooled connection when
  // one is idle, retrying once on a new connection when a pooled one turns out to
  // have been closed by the upstream.
  net::awaitable<Result<std::unique_ptr<UpstreamExchange>>> Start(const ClientRequest& request,
                                                                  const RequestOptions& options) {
    Result<Url> url = ParseUrl(request.url);
    if (!url) {
      co_return url.error();
    }
    Result<RequestHead> head = EncodeRequestHead(request, *url, options_.user_agent);
    if (!head) {
      co_return head.error();
    }
    const Deadlines deadlines = Deadlines::From(options);
    const net::any_io_executor executor = co_await net::this_coro::executor;
    PoolKey key{&net::query(executor, net::execution::context), url->scheme, url->host, url->port};
    const bool may_retry =
        options.retry_stale_connection && MayRetryOnFreshConnection(request.method);
    const bool head_request = request.method == "HEAD";

    bool use_pool = true;
    for (;;) {
      std::unique_ptr<UpstreamConnection> connection = use_pool ? pool_.Acquire(key) : nullptr;
      const bool reused = connection != nullptr;
      if (reused) {
        connections_reused_.fetch_add(1, std::memory_order_relaxed);
      } else {
        const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
        if (cancellation.cancelled() != net::cancellation_type::none) {
          co_return CancelledError();
        }
        Result<std::unique_ptr<UpstreamConnection>> opened =
            co_await UpstreamConnection::Connect(*url, *tls_context_, deadlines);
        if (!opened) {
          co_return opened.error();
        }
        connection = std::move(*opened);
        connections_opened_.fetch_add(1, std::memory_order_relaxed);
      }
      requests_.fetch_add(1, std::memory_order_relaxed);

      Status exchanged = co_await connection->Write(head->text, request.body, deadlines);
      if (exchanged) {
        exchanged = co_await connection->ReadHeader(head_request, deadlines);
      }
      if (exchanged) {
        co_return std::make_unique<UpstreamExchange>(std::move(connection), pool_, std::move(key),
                                                     deadlines, head->close);
      }
      connection->Close();
      // A pooled connection that the upstream closed while it idled fails like this,
      // before a byte of the response arrives; the request is taken as unprocessed
      // and sent once more on a new connection, as gateways do.
      const bool stale =
          reused && !connection->response_started() && exchanged.error().reason == kUpstreamReset;
      if (!stale || !may_retry || !use_pool) {
        co_return exchanged.error();
      }
      stale_retries_.fetch_add(1, std::memory_order_relaxed);
      use_pool = false;
    }
  }

  net::awaitable<Result<ClientResponse>> Send(const ClientRequest& request,
                                              const RequestOptions& options) {
    Result<std::unique_ptr<UpstreamExchange>> exchange = co_await Start(request, options);
    if (!exchange) {
      co_return exchange.error();
    }
    ClientResponse response;
    response.status = (*exchange)->status();
    response.headers = (*exchange)->TakeHeaders();
    Status read = co_await (*exchange)->ReadAll(response.body, options.max_response_bytes);
    if (!read) {
      co_return read.error();
    }
    co_return response;
  }

  HttpClientStats stats() const {
    HttpClientStats stats;
    stats.requests = requests_.load(std::memory_order_relaxed);
    stats.connections_opened = connections_opened_.load(std::memory_order_relaxed);
    stats.connections_reused = connections_reused_.load(std::memory_order_relaxed);
    stats.connections_in_pool = pool_.idle_count();
    stats.stale_retries = stale_retries_.load(std::memory_order_relaxed);
    return stats;
  }

  void CloseIdleConnections() { pool_.Clear(); }

 private:
  const HttpClientOptions options_;
  const std::unique_ptr<net::ssl::context> tls_context_;
  const SystemClock system_clock_;
  const Clock& clock_;
  // Declared after the TLS context, so destroyed while the context its connections use lives.
  ConnectionPool pool_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_opened_{0};
  std::atomic<std::uint64_t> connections_reused_{0};
  std::atomic<std::uint64_t> stale_retries_{0};
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  return Create(options, nullptr);
}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options,
                                                       const Clock* clock) {
  Result<std::unique_ptr<net::ssl::context>> tls =
      MakeTlsClientContext(options.verify_tls, options.ca_file);
  if (!tls) {
    return tls.error();
  }
  auto impl = std::make_unique<Impl>(options, std::move(*tls), clock);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

net::awaitable<Result<ClientResponse>> HttpClient::Send(ClientRequest request,
                                                        RequestOptions options) {
  try {
    co_return co_await impl_->Send(request, options);
  } catch (const boost::system::system_error& e) {
    if (!IsCancellation(e)) {
      throw;
    }
  }
  co_return CancelledError();
}

net::awaitable<Result<StreamingResponse>> HttpClient::Open(ClientRequest request,
                                                           RequestOptions options) {
  try {
    Result<std::unique_ptr<UpstreamExchange>> exchange = co_await impl_->Start(request, options);
    if (!exchange) {
      co_return exchange.error();
    }
    co_return StreamingResponse(std::move(*exchange));
  } catch (const boost::system::system_error& e) {
    if (!IsCancellation(e)) {
      throw;
    }
  }
  co_return CancelledError();
}

HttpClientStats HttpClient::stats() const {
  return impl_->stats();
}

void HttpClient::CloseIdleConnections() {
  impl_->CloseIdleConnections();
}

StreamingResponse::StreamingResponse(std::unique_ptr<UpstreamExchange> exchange)
    : exchange_(std::move(exchange)) {}

StreamingResponse::StreamingResponse(StreamingResponse&&) noexcept = default;

StreamingResponse& StreamingResponse::operator=(StreamingResponse&&) noexcept = default;

StreamingResponse::~StreamingResponse() = default;

int StreamingResponse::status() const {
  return exchange_->status();
}

const HeaderList& StreamingResponse::headers() const {
  return exchange_->headers();
}

std::optional<std::string_view> StreamingResponse::Header(std::string_view name) const {
  return FindHeader(exchange_->headers(), name);
}

bool StreamingResponse::done() const {
  return !exchange_ || exchange_->done();
}

net::awaitable<Result<std::optional<std::string>>> StreamingResponse::Next() {
  if (!exchange_) {
    co_return Fail(ErrorCode::kFailedPrecondition, std::string(kUpstreamStreamClosed),
                   "the response stream was moved from");
  }
  try {
    co_return co_await exchange_->Next();
  } catch (const boost::system::system_error& e) {
    if (!IsCancellation(e)) {
      throw;
    }
  }
  // Cancelled before the read started: the connection cannot be trusted any more.
  co_return exchange_->Abort(CancelledError());
}

}  // namespace amaima::http
