#include "amaima/http/client/http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "amaima/http/client/fake_upstream.h"
#include "amaima/http/client/test_certificates.h"
#include "amaima/http/client/upstream_errors.h"
#include "test/support/fake_clock.h"

namespace amaima::http {
namespace {

namespace net = boost::asio;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::FakeUpstream;
using testing::FakeUpstreamTls;
using testing::Framing;
using testing::ReceivedRequest;
using testing::Reply;

// Generous bound for "promptly" when the limit under test is 100-300 ms.
constexpr milliseconds kPromptly{2000};

Reply Body(std::string body) {
  Reply reply;
  reply.chunks = {std::move(body)};
  return reply;
}

ClientRequest Get(std::string url) {
  ClientRequest request;
  request.url = std::move(url);
  return request;
}

ClientRequest Post(std::string url, std::string body) {
  ClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::move(body);
  return request;
}

std::optional<std::string> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

// Waits on the calling coroutine's executor until `done()` holds or `limit` passes.
net::awaitable<bool> WaitUntil(const std::function<bool()>& done, milliseconds limit) {
  const auto executor = co_await net::this_coro::executor;
  const auto end = steady_clock::now() + limit;
  while (!done()) {
    if (steady_clock::now() >= end) {
      co_return false;
    }
    net::steady_timer tick(executor, milliseconds(1));
    co_await tick.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return true;
}

// What a test saw of one streamed response.
struct StreamOutcome {
  int status{0};
  HeaderList headers{};
  std::vector<std::string> pieces{};
  bool ended{false};
  std::optional<Error> error{};
  std::size_t chunks_sent_at_first_piece{0};

  std::string Body() const {
    std::string body;
    for (const std::string& piece : pieces) {
      body += piece;
    }
    return body;
  }
};

// Opens `url` and reads the body to the end or the first error. When `upstream`
// is given, notes how many chunks it had sent when the first piece arrived, then
// lets it send its last chunk.
net::awaitable<StreamOutcome> ReadStream(HttpClient& client, std::string url,
                                         RequestOptions options, FakeUpstream* upstream) {
  StreamOutcome outcome;
  Result<StreamingResponse> stream = co_await client.Open(Get(std::move(url)), options);
  if (!stream) {
    outcome.error = stream.error();
    co_return outcome;
  }
  outcome.status = stream->status();
  outcome.headers = stream->headers();
  for (;;) {
    Result<std::optional<std::string>> piece = co_await stream->Next();
    if (!piece) {
      outcome.error = piece.error();
      break;
    }
    if (!*piece) {
      outcome.ended = true;
      break;
    }
    if (outcome.pieces.empty() && upstream != nullptr) {
      outcome.chunks_sent_at_first_piece = upstream->chunks_sent();
      upstream->Release();
    }
    outcome.pieces.push_back(std::move(**piece));
  }
  EXPECT_TRUE(stream->done());
  co_return outcome;
}

// Shared between a cancelled coroutine and the test coroutine that cancels it.
struct CancelProbe {
  bool got_first_piece{false};
  bool finished{false};
  std::optional<Error> error{};
};

// Streams `url`, noting the first piece, until the stream fails (it is cancelled).
net::awaitable<void> StreamUntilFailure(HttpClient& client, std::string url, CancelProbe* probe) {
  Result<StreamingResponse> stream = co_await client.Open(Get(std::move(url)));
  while (stream) {
    Result<std::optional<std::string>> piece = co_await stream->Next();
    if (!piece) {
      probe->error = piece.error();
      break;
    }
    probe->got_first_piece = true;
  }
  if (!stream) {
    probe->error = stream.error();
  }
  probe->finished = true;
}

// Sends `url` and records the failure, if any (it is cancelled).
net::awaitable<void> SendUntilFailure(HttpClient& client, std::string url, CancelProbe* probe) {
  Result<ClientResponse> response = co_await client.Send(Get(std::move(url)));
  if (!response) {
    probe->error = response.error();
  }
  probe->finished = true;
}

struct CancelOutcome {
  std::optional<Error> error{};
  bool upstream_saw_close{false};
  steady_clock::duration until_finished{};
};

// Runs `task` with a cancellation slot, waits until `ready()`, cancels it, and
// waits for it to finish and (if `upstream_must_see_close`) for the upstream to
// see its connection closed.
net::awaitable<CancelOutcome> CancelWhen(net::awaitable<void> task, CancelProbe* probe,
                                         const std::function<bool()>& ready, FakeUpstream& upstream,
                                         bool upstream_must_see_close) {
  const auto executor = co_await net::this_coro::executor;
  net::cancellation_signal signal;
  net::co_spawn(executor, std::move(task),
                net::bind_cancellation_slot(signal.slot(), net::detached));
  CancelOutcome outcome;
  const bool is_ready = co_await WaitUntil(ready, milliseconds(5000));
  EXPECT_TRUE(is_ready);
  const auto cancelled_at = steady_clock::now();
  signal.emit(net::cancellation_type::terminal);
  const std::function<bool()> finished = [probe] {
    return probe->finished;
  };
  const bool did_finish = co_await WaitUntil(finished, milliseconds(5000));
  EXPECT_TRUE(did_finish);
  outcome.until_finished = steady_clock::now() - cancelled_at;
  outcome.error = probe->error;
  if (upstream_must_see_close) {
    const std::function<bool()> closed = [&upstream] {
      return upstream.client_closes() >= 1;
    };
    outcome.upstream_saw_close = co_await WaitUntil(closed, kPromptly);
  }
  co_return outcome;
}

struct ConcurrentOutcome {
  std::vector<std::optional<Result<ClientResponse>>> responses{};
  std::size_t finished{0};
};

net::awaitable<void> SendInto(HttpClient& client, std::string url, ConcurrentOutcome* outcome,
                              std::size_t slot) {
  Result<ClientResponse> response = co_await client.Send(Get(std::move(url)));
  outcome->responses[slot].emplace(std::move(response));
  ++outcome->finished;
}

// Sends `count` requests at once and waits for them all.
net::awaitable<ConcurrentOutcome> SendConcurrently(HttpClient& client, std::string url,
                                                   std::size_t count) {
  const auto executor = co_await net::this_coro::executor;
  ConcurrentOutcome outcome;
  outcome.responses.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    net::co_spawn(executor, SendInto(client, url, &outcome, i), net::detached);
  }
  const std::function<bool()> all_done = [&outcome, count] {
    return outcome.finished == count;
  };
  const bool done = co_await WaitUntil(all_done, milliseconds(10000));
  EXPECT_TRUE(done);
  co_return outcome;
}

// Sends `count` requests one after another; returns how many succeeded with 200.
net::awaitable<int> SendSequentially(HttpClient& client, std::string url, int count) {
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    Result<ClientResponse> response = co_await client.Send(Get(url));
    if (response && response->status == 200) {
      ++ok;
    }
  }
  co_return ok;
}

class HttpClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    client_.reset();
    if (upstream_) {
      upstream_->Stop();
    }
    if (!ca_file_.empty()) {
      std::filesystem::remove(ca_file_);
    }
  }

  void StartUpstream(testing::ReplyFunction reply,
                     std::optional<FakeUpstreamTls> tls = std::nullopt) {
    upstream_ = std::make_unique<FakeUpstream>(std::move(reply), std::move(tls));
  }

  void MakeClient(const HttpClientOptions& options = {}, const Clock* clock = nullptr) {
    Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(options, clock);
    ASSERT_TRUE(client) << client.error().message;
    client_ = std::move(*client);
  }

  // Runs `task` to completion on io_, which outlives the client's pooled sockets.
  template <typename T>
  T Run(net::awaitable<T> task) {
    auto result = net::co_spawn(io_, std::move(task), net::use_future);
    io_.restart();
    io_.run();
    return result.get();
  }

  Result<ClientResponse> Send(ClientRequest request, RequestOptions options = {}) {
    return Run(client_->Send(std::move(request), options));
  }

  // Starts a TLS upstream whose certificate names `names`, signed by a fresh CA
  // written to ca_file_.
  void StartTlsUpstream(const std::vector<std::string>& names, testing::ReplyFunction reply) {
    const testing::TestCertificates certificates = testing::MakeTestCertificates(names);
    ca_file_ = (std::filesystem::temp_directory_path()
                / ("amaima_http_client_test_ca_" + std::to_string(::getpid()) + ".pem"))
                   .string();
    std::ofstream(ca_file_) << certificates.ca_pem;
    StartUpstream(std::move(reply),
                  FakeUpstreamTls{certificates.server_cert_pem, certificates.server_key_pem});
  }

  net::io_context io_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<FakeUpstream> upstream_;
  std::string ca_file_;
};

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("hello");
    reply.status = 203;
    reply.headers = {{"X-Upstream", "yes"}};
    return reply;
  });
  MakeClient();

  Result<ClientResponse> response = Send(Get(upstream_->Url("/hello?x=1")));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 203);
  EXPECT_EQ(response->Header("x-upstream"), "yes");
  EXPECT_EQ(response->body, "hello");
  const std::vector<ReceivedRequest> received = upstream_->received();
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/hello?x=1");
  EXPECT_EQ(FindHeader(received[0].headers, "host"),
            "127.0.0.1:" + std::to_string(upstream_->port()));
  EXPECT_EQ(FindHeader(received[0].headers, "user-agent"), "amaima");
}

TEST_F(HttpClientTest, PostSendsBodyAndHeaders) {
  StartUpstream([](const ReceivedRequest& request) {
    Reply reply = Body("echo:" + request.body);
    reply.status = 201;
    return reply;
  });
  MakeClient();
  ClientRequest request = Post(upstream_->Url("/v1/chat/completions"), R"({"model":"auto"})");
  request.headers.emplace_back("Authorization", "Bearer secret");

  Result<ClientResponse> response = Send(std::move(request));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"(echo:{"model":"auto"})");
  const std::vector<ReceivedRequest> received = upstream_->received();
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].body, R"({"model":"auto"})");
  EXPECT_EQ(FindHeader(received[0].headers, "content-type"), "application/json");
  EXPECT_EQ(FindHeader(received[0].headers, "content-length"), "16");
  EXPECT_EQ(FindHeader(received[0].headers, "authorization"), "Bearer secret");
}

TEST_F(HttpClientTest, HeadResponseHasNoBody) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("12345");
    reply.head_only = true;
    return reply;
  });
  MakeClient();
  ClientRequest request = Get(upstream_->Url("/"));
  request.method = "HEAD";

  Result<ClientResponse> response = Send(request);
  Result<ClientResponse> again = Send(request);

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->Header("content-length"), "5");
  EXPECT_EQ(response->body, "");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(upstream_->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, ReusesKeepAliveConnection) {
  StartUpstream([](const ReceivedRequest&) { return Body("ok"); });
  MakeClient();

  for (int i = 0; i < 5; ++i) {
    Result<ClientResponse> response = Send(Get(upstream_->Url("/")));
    ASSERT_TRUE(response) << response.error().message;
  }

  EXPECT_EQ(upstream_->connections_accepted(), 1U);
  const HttpClientStats stats = client_->stats();
  EXPECT_EQ(stats.requests, 5U);
  EXPECT_EQ(stats.connections_opened, 1U);
  EXPECT_EQ(stats.connections_reused, 4U);
  EXPECT_EQ(stats.connections_in_pool, 1U);
  client_->CloseIdleConnections();
  EXPECT_EQ(client_->stats().connections_in_pool, 0U);
}

TEST_F(HttpClientTest, OpensNewConnectionAfterUpstreamClosedIdleOne) {
  StartUpstream([](const ReceivedRequest& request) {
    Reply reply = Body("ok");
    reply.close_after = request.connection == 1;  // An upstream idle timeout, unannounced.
    return reply;
  });
  MakeClient();
  Result<ClientResponse> first = Send(Get(upstream_->Url("/")));
  ASSERT_TRUE(first) << first.error().message;
  const std::function<bool()> closed = [this] {
    return upstream_->server_closes() == 1;
  };
  ASSERT_TRUE(Run(WaitUntil(closed, milliseconds(5000))));

  Result<ClientResponse> second = Send(Get(upstream_->Url("/")));

  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(upstream_->connections_accepted(), 2U);
  EXPECT_EQ(client_->stats().connections_opened, 2U);
}

TEST_F(HttpClientTest, RetriesGetOnceWhenPooledConnectionFailsBeforeAnswering) {
  // The second request on a connection is dropped unanswered: the race between an
  // upstream's idle close and a request that a liveness check cannot catch.
  StartUpstream([](const ReceivedRequest& request) {
    Reply reply = Body("ok");
    reply.drop_request = request.index_on_connection == 1;
    return reply;
  });
  MakeClient();
  ASSERT_TRUE(Send(Get(upstream_->Url("/"))));

  Result<ClientResponse> response = Send(Get(upstream_->Url("/")));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(upstream_->connections_accepted(), 2U);
  EXPECT_EQ(upstream_->requests(), 3U);
  EXPECT_EQ(client_->stats().stale_retries, 1U);
}

TEST_F(HttpClientTest, RetriesPostWhenNothingWasReceived) {
  StartUpstream([](const ReceivedRequest& request) {
    Reply reply = Body("echo:" + request.body);
    reply.drop_request = request.index_on_connection == 1;
    return reply;
  });
  MakeClient();
  ASSERT_TRUE(Send(Post(upstream_->Url("/"), "first")));

  Result<ClientResponse> response = Send(Post(upstream_->Url("/"), "second"));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "echo:second");
  const std::vector<ReceivedRequest> received = upstream_->received();
  ASSERT_EQ(received.size(), 3U);
  EXPECT_EQ(received[2].body, "second");
  EXPECT_EQ(received[2].connection, 2U);
  EXPECT_EQ(client_->stats().stale_retries, 1U);
}

TEST_F(HttpClientTest, DoesNotRetryNonIdempotentPatch) {
  StartUpstream([](const ReceivedRequest& request) {
    Reply reply = Body("ok");
    reply.drop_request = request.index_on_connection == 1;
    return reply;
  });
  MakeClient();
  ASSERT_TRUE(Send(Get(upstream_->Url("/"))));
  ClientRequest patch = Post(upstream_->Url("/"), "{}");
  patch.method = "PATCH";

  Result<ClientResponse> response = Send(std::move(patch));

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, kUpstreamReset);
  EXPECT_EQ(upstream_->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, DoesNotRetryOnFreshConnection) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.drop_request = true;
    return reply;
  });
  MakeClient();

  Result<ClientResponse> response = Send(Get(upstream_->Url("/")));

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, kUpstreamReset);
  EXPECT_EQ(upstream_->connections_accepted(), 1U);
  EXPECT_EQ(client_->stats().stale_retries, 0U);
}

TEST_F(HttpClientTest, StreamsChunksAsTheyArrive) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.framing = Framing::kChunked;
    reply.chunks = {"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"};
    reply.chunk_delay = milliseconds(20);
    reply.hold_last_chunk = true;  // Until the client has the first piece.
    return reply;
  });
  MakeClient();

  const StreamOutcome outcome =
      Run(ReadStream(*client_, upstream_->Url("/stream"), {}, upstream_.get()));

  ASSERT_FALSE(outcome.error) << outcome.error->message;
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(FindHeader(outcome.headers, "transfer-encoding"), "chunked");
  ASSERT_FALSE(outcome.pieces.empty());
  EXPECT_EQ(outcome.pieces.front(), "data: 1\n\n");
  EXPECT_LT(outcome.chunks_sent_at_first_piece, 3U);
  EXPECT_EQ(outcome.Body(), "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_TRUE(outcome.ended);
  EXPECT_EQ(client_->stats().connections_in_pool, 1U);
}

TEST_F(HttpClientTest, StreamsContentLengthBodyAndPoolsConnection) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.chunks = {"abc", "def"};
    reply.chunk_delay = milliseconds(20);
    return reply;
  });
  MakeClient();

  const StreamOutcome outcome = Run(ReadStream(*client_, upstream_->Url("/"), {}, nullptr));

  ASSERT_FALSE(outcome.error) << outcome.error->message;
  EXPECT_EQ(outcome.Body(), "abcdef");
  EXPECT_TRUE(outcome.ended);
  EXPECT_EQ(client_->stats().connections_in_pool, 1U);
}

TEST_F(HttpClientTest, ReadsBodyDelimitedByClose) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.framing = Framing::kUntilClose;
    reply.chunks = {"part1", "part2"};
    reply.chunk_delay = milliseconds(20);
    return reply;
  });
  MakeClient();

  const StreamOutcome outcome = Run(ReadStream(*client_, upstream_->Url("/"), {}, nullptr));
  Result<ClientResponse> response = Send(Get(upstream_->Url("/")));

  ASSERT_FALSE(outcome.error) << outcome.error->message;
  EXPECT_EQ(outcome.Body(), "part1part2");
  EXPECT_TRUE(outcome.ended);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "part1part2");
  EXPECT_EQ(client_->stats().connections_in_pool, 0U);
  EXPECT_EQ(upstream_->connections_accepted(), 2U);
}

TEST_F(HttpClientTest, SendEnforcesResponseSizeLimit) {
  const std::string large(1 << 20, 'x');
  StartUpstream([large](const ReceivedRequest&) { return Body(large); });
  MakeClient();
  RequestOptions small;
  small.max_response_bytes = 1000;

  Result<ClientResponse> whole = Send(Get(upstream_->Url("/")));
  Result<ClientResponse> limited = Send(Get(upstream_->Url("/")), small);

  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->body, large);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(limited.error().reason, kUpstreamResponseTooLarge);
}

TEST_F(HttpClientTest, RejectsInvalidUrlAndHeaders) {
  MakeClient();
  ClientRequest injected = Get("http://127.0.0.1:1/");
  injected.headers = {{"X-A", "1\r\nX-B: 2"}};

  Result<ClientResponse> bad_url = Send(Get("ftp://example.com/"));
  Result<ClientResponse> bad_header = Send(std::move(injected));

  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_url.error().reason, kUpstreamInvalidUrl);
  ASSERT_FALSE(bad_header);
  EXPECT_EQ(bad_header.error().reason, kUpstreamInvalidRequest);
}

TEST_F(HttpClientTest, ConnectRefusedIsUnavailable) {
  std::uint16_t port = 0;
  {
    net::ip::tcp::acceptor probe(io_,
                                 net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  MakeClient();

  Result<ClientResponse> response = Send(Get("http://127.0.0.1:" + std::to_string(port) + "/"));

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, kUpstreamConnectFailed);
}

TEST_F(HttpClientTest, ConnectTimeoutWhenUpstreamDoesNotAccept) {
  // A listener with a full accept queue: Linux drops further SYNs, so connecting hangs.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    // Completes or stays pending; either way it takes a place in the queue.
    static_cast<void>(::connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof(address)));
    fillers.push_back(filler);
  }
  MakeClient();
  RequestOptions options;
  options.connect_timeout = milliseconds(150);
  const auto started = steady_clock::now();

  Result<ClientResponse> response =
      Send(Get("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/"), options);

  const auto elapsed = steady_clock::now() - started;
  for (const int filler : fillers) {
    ::close(filler);
  }
  ::close(listener);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(response.error().reason, kUpstreamConnectTimeout) << response.error().message;
  EXPECT_LT(elapsed, kPromptly);
}

TEST_F(HttpClientTest, ReadTimeoutWhenUpstreamIsSilent) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("late");
    reply.header_delay = milliseconds(10000);
    return reply;
  });
  MakeClient();
  RequestOptions options;
  options.read_timeout = milliseconds(100);
  const auto started = steady_clock::now();

  Result<ClientResponse> response = Send(Get(upstream_->Url("/")), options);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(response.error().reason, kUpstreamReadTimeout) << response.error().message;
  EXPECT_LT(steady_clock::now() - started, kPromptly);
  EXPECT_EQ(client_->stats().connections_in_pool, 0U);
}

TEST_F(HttpClientTest, TotalTimeoutWhileWaitingForHeader) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("late");
    reply.header_delay = milliseconds(10000);
    return reply;
  });
  MakeClient();
  RequestOptions options;
  options.read_timeout = milliseconds(5000);
  options.total_timeout = milliseconds(150);
  const auto started = steady_clock::now();

  Result<ClientResponse> response = Send(Get(upstream_->Url("/")), options);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(response.error().reason, kUpstreamTotalTimeout) << response.error().message;
  EXPECT_LT(steady_clock::now() - started, kPromptly);
}

TEST_F(HttpClientTest, TotalTimeoutEndsStreamThatKeepsTrickling) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.framing = Framing::kChunked;
    reply.chunks = std::vector<std::string>(200, "x");
    reply.chunk_delay = milliseconds(10);  // Never silent for a read timeout.
    return reply;
  });
  MakeClient();
  RequestOptions options;
  options.read_timeout = milliseconds(1000);
  options.total_timeout = milliseconds(200);
  const auto started = steady_clock::now();

  const StreamOutcome outcome = Run(ReadStream(*client_, upstream_->Url("/"), options, nullptr));

  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(outcome.error->reason, kUpstreamTotalTimeout) << outcome.error->message;
  EXPECT_FALSE(outcome.pieces.empty());
  EXPECT_LT(steady_clock::now() - started, kPromptly);
}

TEST_F(HttpClientTest, CancellationMidStreamClosesUpstreamConnection) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.framing = Framing::kChunked;
    reply.chunks = {"first"};
    reply.await_client_close = true;  // Sends nothing more; notes when the client closes.
    return reply;
  });
  MakeClient();
  CancelProbe probe;
  const std::function<bool()> got_first = [&probe] {
    return probe.got_first_piece;
  };

  const CancelOutcome outcome =
      Run(CancelWhen(StreamUntilFailure(*client_, upstream_->Url("/stream"), &probe), &probe,
                     got_first, *upstream_, true));

  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code, ErrorCode::kCancelled);
  EXPECT_EQ(outcome.error->reason, kUpstreamCancelled);
  EXPECT_TRUE(outcome.upstream_saw_close);
  EXPECT_LT(outcome.until_finished, kPromptly);
  EXPECT_EQ(client_->stats().connections_in_pool, 0U);
}

TEST_F(HttpClientTest, CancellationWhileWaitingForHeader) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("late");
    reply.header_delay = milliseconds(10000);
    return reply;
  });
  MakeClient();
  CancelProbe probe;
  const std::function<bool()> request_arrived = [this] {
    return upstream_->requests() == 1;
  };

  const CancelOutcome outcome =
      Run(CancelWhen(SendUntilFailure(*client_, upstream_->Url("/"), &probe), &probe,
                     request_arrived, *upstream_, false));

  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code, ErrorCode::kCancelled);
  EXPECT_LT(outcome.until_finished, kPromptly);
  EXPECT_EQ(client_->stats().connections_in_pool, 0U);
}

TEST_F(HttpClientTest, ResetMidStreamIsAnError) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply;
    reply.framing = Framing::kChunked;
    reply.chunks = {"first", "second"};
    reply.chunk_delay = milliseconds(100);
    reply.reset_after_chunks = true;
    return reply;
  });
  MakeClient();
  RequestOptions options;
  options.read_timeout = milliseconds(5000);

  const StreamOutcome outcome = Run(ReadStream(*client_, upstream_->Url("/"), options, nullptr));

  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(outcome.error->reason, kUpstreamReset) << outcome.error->message;
  ASSERT_FALSE(outcome.pieces.empty());
  EXPECT_EQ(outcome.pieces.front(), "first");
  EXPECT_FALSE(outcome.ended);
}

TEST_F(HttpClientTest, KeepsAtMostMaxIdlePerHost) {
  StartUpstream([](const ReceivedRequest&) {
    Reply reply = Body("ok");
    reply.header_delay = milliseconds(50);  // Keeps all three requests in flight together.
    return reply;
  });
  HttpClientOptions options;
  options.max_idle_per_host = 1;
  MakeClient(options);

  const ConcurrentOutcome outcome = Run(SendConcurrently(*client_, upstream_->Url("/"), 3));

  for (const auto& response : outcome.responses) {
    ASSERT_TRUE(response.has_value());
    ASSERT_TRUE(*response) << (*response).error().message;
  }
  EXPECT_EQ(client_->stats().connections_opened, 3U);
  EXPECT_EQ(client_->stats().connections_in_pool, 1U);
}

TEST_F(HttpClientTest, ClosesConnectionsIdleLongerThanIdleTimeout) {
  StartUpstream([](const ReceivedRequest&) { return Body("ok"); });
  amaima::testing::FakeClock clock;
  HttpClientOptions options;
  options.idle_timeout = milliseconds(1000);
  MakeClient(options, &clock);
  ASSERT_TRUE(Send(Get(upstream_->Url("/"))));
  clock.Advance(milliseconds(999));
  ASSERT_TRUE(Send(Get(upstream_->Url("/"))));
  EXPECT_EQ(client_->stats().connections_opened, 1U);

  clock.Advance(milliseconds(1000));
  Result<ClientResponse> response = Send(Get(upstream_->Url("/")));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(client_->stats().connections_opened, 2U);
  EXPECT_EQ(upstream_->connections_accepted(), 2U);
}

TEST_F(HttpClientTest, SharedBySeveralIoThreads) {
  StartUpstream([](const ReceivedRequest&) { return Body("ok"); });
  net::io_context io;
  Result<std::unique_ptr<HttpClient>> created = HttpClient::Create({});
  ASSERT_TRUE(created);
  std::unique_ptr<HttpClient> client = std::move(*created);
  std::vector<std::future<int>> results;
  results.reserve(4);
  for (int i = 0; i < 4; ++i) {
    results.push_back(net::co_spawn(
        net::make_strand(io), SendSequentially(*client, upstream_->Url("/"), 10), net::use_future));
  }

  std::vector<std::thread> threads;
  threads.reserve(2);
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&io] { io.run(); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  for (std::future<int>& result : results) {
    EXPECT_EQ(result.get(), 10);
  }
  const HttpClientStats stats = client->stats();
  EXPECT_EQ(stats.requests, 40U);
  EXPECT_LE(stats.connections_opened, 4U);
  EXPECT_EQ(stats.connections_opened + stats.connections_reused, 40U);
  client.reset();  // Before io: the pooled sockets belong to it.
}

TEST_F(HttpClientTest, TlsVerifiesWithCustomCaAndSendsServerName) {
  StartTlsUpstream({"DNS:localhost", "IP:127.0.0.1"},
                   [](const ReceivedRequest&) { return Body("secure"); });
  HttpClientOptions options;
  options.ca_file = ca_file_;
  MakeClient(options);

  Result<ClientResponse> by_name = Send(Get(upstream_->Url("/", "localhost")));
  const std::string server_name = upstream_->last_server_name();
  Result<ClientResponse> reused = Send(Get(upstream_->Url("/", "localhost")));
  Result<ClientResponse> by_ip = Send(Get(upstream_->Url("/", "127.0.0.1")));

  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(by_name->body, "secure");
  EXPECT_EQ(server_name, "localhost");
  ASSERT_TRUE(reused) << reused.error().message;
  ASSERT_TRUE(by_ip) << by_ip.error().message;
  EXPECT_EQ(upstream_->last_server_name(), "");  // No SNI for an IP address.
  EXPECT_EQ(client_->stats().connections_opened, 2U);
  EXPECT_EQ(client_->stats().connections_reused, 1U);
}

TEST_F(HttpClientTest, TlsStreamsChunkedAndCloseDelimitedBodies) {
  StartTlsUpstream({"DNS:localhost"}, [](const ReceivedRequest& request) {
    Reply reply;
    reply.framing = request.target == "/close" ? Framing::kUntilClose : Framing::kChunked;
    reply.chunks = {"one", "two"};
    reply.chunk_delay = milliseconds(10);
    return reply;
  });
  HttpClientOptions options;
  options.ca_file = ca_file_;
  MakeClient(options);

  const StreamOutcome chunked =
      Run(ReadStream(*client_, upstream_->Url("/chunked", "localhost"), {}, nullptr));
  const StreamOutcome until_close =
      Run(ReadStream(*client_, upstream_->Url("/close", "localhost"), {}, nullptr));

  ASSERT_FALSE(chunked.error) << chunked.error->message;
  EXPECT_EQ(chunked.Body(), "onetwo");
  ASSERT_FALSE(until_close.error) << until_close.error->message;
  EXPECT_EQ(until_close.Body(), "onetwo");
  EXPECT_TRUE(until_close.ended);
}

TEST_F(HttpClientTest, TlsFailsWithDefaultTrustStore) {
  StartTlsUpstream({"DNS:localhost"}, [](const ReceivedRequest&) { return Body("secure"); });
  MakeClient();

  Result<ClientResponse> response = Send(Get(upstream_->Url("/", "localhost")));

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, kUpstreamTlsVerifyFailed) << response.error().message;
  EXPECT_EQ(upstream_->requests(), 0U);
}

TEST_F(HttpClientTest, TlsFailsOnHostNameMismatch) {
  StartTlsUpstream({"DNS:upstream.invalid"}, [](const ReceivedRequest&) { return Body("x"); });
  HttpClientOptions options;
  options.ca_file = ca_file_;
  MakeClient(options);

  Result<ClientResponse> response = Send(Get(upstream_->Url("/", "localhost")));

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().reason, kUpstreamTlsVerifyFailed);
  EXPECT_NE(response.error().message.find("mismatch"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(upstream_->requests(), 0U);
}

TEST_F(HttpClientTest, TlsWithoutVerificationAcceptsUnknownCa) {
  StartTlsUpstream({"DNS:upstream.invalid"}, [](const ReceivedRequest&) { return Body("x"); });
  HttpClientOptions options;
  options.verify_tls = false;
  MakeClient(options);

  Result<ClientResponse> response = Send(Get(upstream_->Url("/", "localhost")));

  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "x");
}

TEST_F(HttpClientTest, CreateFailsForMissingCaFile) {
  HttpClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";

  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(options);

  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace amaima::http
