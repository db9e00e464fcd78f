#pragma once

#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
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
template <typename Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> RunBlocking(boost::asio::thread_pool& pool,
                                                              Fn fn) {
  co_return co_await boost::asio::co_spawn(pool, detail::Invoke(std::move(fn)),
                                           boost::asio::use_awaitable);
}

}  // namespace amaima
