#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace amaima::testing {

// Runs `task` to completion on a private io_context and returns its result.
template <typename T>
T RunToCompletion(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return result.get();
}

}  // namespace amaima::testing
