#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace amaima::testing {

// Runs redis-server as a child process on a free loopback port, for the tests of the Redis
// back ends (CONVENTIONS.md: real servers on loopback). Nothing is persisted (--save ""
// --appendonly no); its files go to a fresh temporary directory, removed with it.
//
// Tests that need it call Available() first and, when the binary is missing, fail if
// Required() (AMAIMA_REQUIRE_REDIS=1, as in CI) and skip otherwise.
//
// Not thread-safe: one test thread drives it.
class RedisServer {
 public:
  // Starts the server with `extra_args` appended (e.g. {"--requirepass", "secret"}) and waits
  // (up to 10 s) until it answers PING. Redis cannot bind port 0, so a port is picked by
  // binding a socket to port 0 and closing it; if another process takes it meanwhile, another
  // port is tried. Throws std::runtime_error when the server does not come up.
  explicit RedisServer(std::vector<std::string> extra_args = {});
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  RedisServer(RedisServer&&) = delete;
  RedisServer& operator=(RedisServer&&) = delete;
  // Stops the server and removes its directory.
  ~RedisServer();

  std::uint16_t port() const { return port_; }

  // "redis://127.0.0.1:<port>".
  std::string url() const;

  // Stops the server: SIGTERM, then waits for it to exit (SIGKILL after 10 s). Does nothing
  // when it is not running.
  void Stop();
  // Starts it again on the same port, after Stop(). Throws std::runtime_error on failure.
  void Restart();
  // SIGSTOP / SIGCONT: a paused server accepts connections (the kernel does) but answers
  // nothing, like a stalled one.
  void Pause();
  void Resume();

  bool running() const { return pid_ > 0; }

  // $AMAIMA_REDIS_SERVER, else /usr/bin/redis-server.
  static std::string Binary();
  // Whether Binary() exists and is executable.
  static bool Available();
  // Whether AMAIMA_REQUIRE_REDIS=1: a missing redis-server is then a failure, not a skip.
  static bool Required();

 private:
  // Spawns the server on port_ and waits for PING; false when it exited first (the port was
  // taken). Throws when it neither exits nor answers in time.
  bool Spawn();

  std::vector<std::string> extra_args_;
  std::string dir_;
  std::uint16_t port_{0};
  pid_t pid_{-1};
  bool paused_{false};
};

// A server shared by the tests of this process that need no server of their own (each uses
// its own key prefix), started on first use and stopped at exit. Throws as the constructor
// does; a later call tries again.
RedisServer& SharedRedisServer();

}  // namespace amaima::testing
