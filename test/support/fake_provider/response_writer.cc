#include "test/support/fake_provider/response_writer.h"

#include <array>
#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace amaima::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
using Socket = net::ip::tcp::socket;

namespace {

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kWatchBufferLimit = 1U << 20U;
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Closes with SO_LINGER 0 so that the peer sees a TCP RST, not an orderly FIN.
void ResetConnection(Socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// A write failed: the client left, unless the failure is our own cancellation.
void NoteWriteFailure(const boost::system::error_code& ec, WriteProgress& progress) {
  if (ec != net::error::operation_aborted) {
    progress.state = RequestState::kClientDisconnected;
  }
}

net::awaitable<void> WaitForever(net::steady_timer& timer) {
  timer.expires_at(net::steady_timer::time_point::max());
  // Only cancellation ends it: the client left, a rule reset, or Stop().
  co_await timer.async_wait(kAsTuple);
}

// Waits `duration` on `timer`; returns false when the wait was cancelled.
net::awaitable<bool> Pause(net::steady_timer& timer, std::chrono::milliseconds duration) {
  timer.expires_after(duration);
  auto [ec] = co_await timer.async_wait(kAsTuple);
  co_return !ec;
}

// Writes one body chunk, framed as an HTTP chunk when `chunked`. Returns false
// (noting the failure in `progress`) when the write fails.
net::awaitable<bool> WriteChunk(Socket& socket, const std::string& chunk, bool chunked,
                                WriteProgress& progress) {
  std::array<char, 20> size_line{};
  std::size_t size_length = 0;
  if (chunked) {
    const int length = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", chunk.size());
    size_length = static_cast<std::size_t>(length);
  }
  const std::array<net::const_buffer, 3> buffers{
      net::buffer(size_line.data(), size_length), net::buffer(chunk),
      net::buffer(kCrlf.data(), chunked ? kCrlf.size() : 0)};
  auto [ec, n] = co_await net::async_write(socket, buffers, kAsTuple);
  if (ec) {
    NoteWriteFailure(ec, progress);
    co_return false;
  }
  ++progress.chunks;
  co_return true;
}

// Writes the benchmark mode's prebuilt response.
net::awaitable<void> WritePrebuilt(Socket& socket, const std::string& bytes,
                                   WriteProgress& progress) {
  progress.status = 200;
  auto [ec, n] = co_await net::async_write(socket, net::buffer(bytes), kAsTuple);
  if (ec) {
    NoteWriteFailure(ec, progress);
    co_return;
  }
  progress.chunks = 1;
  progress.state = RequestState::kCompleted;
}

// Writes the head and body of `plan`, acting out the faults scripted between chunks.
net::awaitable<void> WriteHeadAndBody(Socket& socket, const ResponsePlan& plan,
                                      WriteProgress& progress, net::steady_timer& timer) {
  auto [head_ec, head_bytes] = co_await net::async_write(socket, net::buffer(plan.head), kAsTuple);
  if (head_ec) {
    NoteWriteFailure(head_ec, progress);
    co_return;
  }
  progress.status = plan.status;
  for (std::size_t i = 0; i <= plan.chunks.size(); ++i) {
    if (static_cast<int>(i) == plan.reset_after_chunks) {
      progress.state = RequestState::kReset;
      ResetConnection(socket);
      co_return;
    }
    if (static_cast<int>(i) == plan.hang_after_chunks) {
      co_await WaitForever(timer);
      co_return;
    }
    if (i == plan.chunks.size()) {
      break;
    }
    if (i > 0 && plan.chunk_delay.count() > 0) {
      const bool waited = co_await Pause(timer, plan.chunk_delay);
      if (!waited) {
        co_return;
      }
    }
    const bool written = co_await WriteChunk(socket, plan.chunks[i], plan.chunked, progress);
    if (!written) {
      co_return;
    }
  }
  if (plan.chunked) {
    auto [ec, n] = co_await net::async_write(
        socket, net::buffer(kLastChunk.data(), kLastChunk.size()), kAsTuple);
    if (ec) {
      NoteWriteFailure(ec, progress);
      co_return;
    }
  }
  progress.state = RequestState::kCompleted;
}

// Writes `plan`, acting out its faults; records in `progress` how far it got.
net::awaitable<void> WriteResponse(Socket& socket, const ResponsePlan& plan,
                                   WriteProgress& progress) {
  net::steady_timer timer(socket.get_executor());
  if (plan.delay.count() > 0) {
    const bool waited = co_await Pause(timer, plan.delay);
    if (!waited) {
      co_return;
    }
  }
  if (plan.reset_before_headers) {
    progress.state = RequestState::kReset;
    ResetConnection(socket);
  } else if (plan.hang) {
    co_await WaitForever(timer);
  } else if (plan.prebuilt) {
    co_await WritePrebuilt(socket, *plan.prebuilt, progress);
  } else {
    co_await WriteHeadAndBody(socket, plan, progress, timer);
  }
}

// Reads from the client while a response is being written, so that a client that
// goes away is noticed even while the server is only waiting. Returns true when the
// client closed or reset the connection, false when cancelled (the response ended,
// or the server is stopping). Bytes of a next request are kept in `buffer`.
net::awaitable<bool> WatchPeer(Socket& socket, beast::flat_buffer& buffer) {
  while (buffer.size() < kWatchBufferLimit) {
    auto [ec, n] = co_await socket.async_read_some(buffer.prepare(4096), kAsTuple);
    if (ec) {
      const bool gone = ec != net::error::operation_aborted && ec != net::error::bad_descriptor;
      co_return gone;
    }
    buffer.commit(n);
  }
  // A client pipelining this much is not reading: stop reading and wait.
  net::steady_timer timer(socket.get_executor());
  co_await WaitForever(timer);
  co_return false;
}

}  // namespace

net::awaitable<void> SendResponse(Socket& socket, beast::flat_buffer& buffer,
                                  const ResponsePlan& plan, WriteProgress& progress) {
  if (!plan.Waits()) {
    co_await WriteResponse(socket, plan, progress);
    co_return;
  }
  auto writer = WriteResponse(socket, plan, progress);
  auto watcher = WatchPeer(socket, buffer);
  // Both run on the session's strand; `||` cancels the other when one finishes and
  // waits for both, so the references they borrow stay valid.
  const auto winner = co_await net::experimental::awaitable_operators::operator||(
      std::move(writer), std::move(watcher));
  if (winner.index() == 1 && std::get<1>(winner) && progress.state == RequestState::kInFlight) {
    progress.state = RequestState::kClientDisconnected;
  }
}

}  // namespace amaima::testing
