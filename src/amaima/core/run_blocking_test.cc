#include "src/amaima/core/run_blocking.h"

#include <atomic>
#include <chrono>
#include <future>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

namespace amaima {
namespace {

namespace net = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

// Counts its run in `ran`; waits for `released` first when it is valid.
net::awaitable<int> Blocking(net::thread_pool& pool, std::atomic<int>& ran,
                             std::shared_future<void> released = {}) {
  auto work = [&ran, released] {
    if (released.valid()) {
      released.wait();
    }
    ran.fetch_add(1);
    return 42;
  };
  co_return co_await RunBlocking(pool, work);
}

net::awaitable<void> Sleep(std::chrono::milliseconds delay) {
  net::steady_timer timer(co_await net::this_coro::executor, delay);
  co_await timer.async_wait(net::use_awaitable);
}

TEST(RunBlockingTest, ReturnsTheResultOnTheCallersExecutor) {
  net::io_context io;
  net::thread_pool pool(1);
  std::atomic<int> ran{0};
  int result = 0;
  net::co_spawn(io, Blocking(pool, ran), [&](std::exception_ptr e, int value) {
    EXPECT_FALSE(e);
    result = value;
  });
  io.run();
  pool.join();
  EXPECT_EQ(result, 42);
  EXPECT_EQ(ran.load(), 1);
}

// The caller is cancelled (here by losing a race, as a request whose client left) while
// its work runs on the pool. The work finishes, and nothing throws on the pool thread
// (which would end the process).
TEST(RunBlockingTest, ACancelledCallerStillRunsItsWorkAndThrowsNothingOnThePool) {
  net::io_context io;
  net::thread_pool pool(2);  // the cancellation reaches the spawned frame on the idle thread
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();

  std::atomic<int> ran{0};
  bool finished = false;
  std::exception_ptr error;
  std::size_t winner = 99;
  auto race = [&]() -> net::awaitable<std::variant<int, std::monostate>> {
    return Blocking(pool, ran, released) || Sleep(std::chrono::milliseconds(1));
  };
  net::co_spawn(io, race(), [&](std::exception_ptr e, std::variant<int, std::monostate> outcome) {
    finished = true;
    error = e;
    winner = outcome.index();
  });
  io.run_for(std::chrono::milliseconds(50));  // the timer wins; the blocking side is cancelled
  EXPECT_FALSE(finished) << "the race waits for the cancelled side to finish";
  release.set_value();
  io.restart();
  io.run();
  pool.join();
  EXPECT_TRUE(finished);
  EXPECT_FALSE(error);
  EXPECT_EQ(winner, 1U);
  EXPECT_EQ(ran.load(), 1) << "the work ran although its caller was cancelled";
}

}  // namespace
}  // namespace amaima
