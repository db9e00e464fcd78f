#pragma once

#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace amaima {

namespace detail {
template <typename Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> Invoke(Fn fn) {
  co_return fn();
}
}  // namespace detail

// Runs blocking `fn` (SQLite, file I/O, password hashing) on `pool`; the caller
// resumes on its own executor with the result. `fn` is moved into the spawned
// frame, so it must own what it uses (capture by value).
//
// Do not "hop" with co_await post(pool): the coroutine resumes on its own
// executor and the blocking call would still run on the I/O thread.
//
// `fn` always runs to the end, even when the caller is cancelled (a client that left):
// blocking work cannot be interrupted, and what it did (a token taken, a row written) must
// reach the caller. So the caller's cancellation is not passed to the spawned frame, which
// would otherwise throw on the pool thread, outside any handler, and end the process. The
// caller sees its cancellation at its next co_await instead.
template <typename Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> RunBlocking(boost::asio::thread_pool& pool,
                                                              Fn fn) {
  co_return co_await boost::asio::co_spawn(
      pool, detail::Invoke(std::move(fn)),
      boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                          boost::asio::use_awaitable));
}

}  // namespace amaima
