#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::limits {

// Where and how to reach one Redis server.
struct RedisOptions {
  std::string host{"127.0.0.1"};
  std::uint16_t port{6379};
  std::string username{};  // ACL user (Redis 6+): AUTH username password. Needs a password.
  std::string password{};  // Empty: no AUTH.
  int database{0};         // SELECTed on every new connection when not 0.
  // Both must be > 0: how long a connect, and a wait for one reply, may take.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(1)};
  std::chrono::milliseconds command_timeout{std::chrono::seconds(1)};
  // Idle connections kept for reuse; more may be open while more threads call at once.
  std::size_t max_idle_connections{16};
};

// Parses "redis://[[user]:password@]host[:port][/db]" into options with default timeouts.
// The user name and password may be percent-encoded; an IPv6 host is written in brackets
// ("redis://[::1]:6380"). Fails with kInvalidArgument for another scheme ("rediss://": TLS
// is not supported), a missing host, a port outside 1..65535, a database that is not a
// number >= 0, a user without a password, or a query string. Error messages never contain
// the URL or its password.
Result<RedisOptions> ParseRedisUrl(std::string_view url);

// One reply of the server, copied out of hiredis. Error replies never appear here: they are
// returned as errors.
struct RedisReply {
  enum class Type : std::uint8_t {
    kNil,      // A missing value (GET of no key, a Lua false/nil).
    kInteger,  // An integer (a Lua number, truncated by Redis).
    kString,   // A bulk string.
    kStatus,   // A simple status ("OK", "PONG").
    kArray,    // A multi-bulk reply (a Lua table).
  };

  Type type{Type::kNil};
  std::int64_t integer{0};
  std::string text{};                  // kString and kStatus.
  std::vector<RedisReply> elements{};  // kArray.
};

// A Lua script and its SHA-1, run with EVALSHA (and EVAL when the server does not know it).
// Immutable; thread-safe.
class RedisScript {
 public:
  explicit RedisScript(std::string source);

  const std::string& source() const { return source_; }

  // Lower-case hex SHA-1 of the source, as SCRIPT LOAD would return.
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// A small, blocking, thread-safe Redis client over hiredis: a pool of connections, each taken
// by one call for one command and given back afterwards.
//
// Connections are opened lazily (the constructor does not connect: call Ping() at start-up to
// fail fast) with connect_timeout, AUTH and SELECT, and wait at most command_timeout for each
// reply. A connection that fails (I/O error, timeout, closed by the server) is dropped with
// every idle one, since they most likely share its fate; the next call opens a new one. A
// failed call is not retried: the command may have run.
//
// Errors: the server unreachable, a timeout, a closed connection or a failed AUTH/SELECT fail
// with kUnavailable (reason SYSTEM_UNAVAILABLE); an error reply with kUnavailable when the
// server cannot serve us now or with this configuration (LOADING, BUSY, MASTERDOWN, READONLY,
// TRYAGAIN, CLUSTERDOWN, OOM, NOAUTH, WRONGPASS, NOPERM) and with kInternal (reason
// SYSTEM_INTERNAL_ERROR) otherwise. Messages name the server by host:port and never contain the
// password.
//
// Writing to a connection the server closed raises SIGPIPE; calls block it on the calling
// thread while they run and discard the one they caused, so the process need not ignore it.
//
// @par Thread Safety
// Thread-safe: one mutex guards the idle list and is never held during network I/O. Calls
// block for up to connect_timeout + command_timeout: callers on I/O threads run them on the
// blocking pool.
class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  RedisClient(RedisClient&&) = delete;
  RedisClient& operator=(RedisClient&&) = delete;
  ~RedisClient();

  // Runs one command, e.g. Command({"GET", key}).
  Result<RedisReply> Command(std::initializer_list<std::string_view> args);
  Result<RedisReply> Command(std::span<const std::string> args);

  // Runs `script` atomically on the server with EVALSHA, and with EVAL (which also caches it
  // there) when the server answers NOSCRIPT.
  Result<RedisReply> Eval(const RedisScript& script, std::span<const std::string> keys,
                          std::span<const std::string> args);

  // Checks that the server answers (PING).
  Status Ping();

  // "host:port", for messages and logs.
  const std::string& endpoint() const { return endpoint_; }

  // Idle connections in the pool (for tests and metrics).
  std::size_t idle_count() const;

  // Connections opened since construction (for tests and metrics).
  std::uint64_t connects() const { return connects_.load(std::memory_order_relaxed); }

 private:
  class Connection;

  // An idle connection, or a new one.
  Result<std::unique_ptr<Connection>> Take();
  // Returns a healthy connection to the pool (closing it when the pool is full).
  void GiveBack(std::unique_ptr<Connection> connection);
  // Drops every idle connection, after one of them failed.
  void DropIdle();
  // Opens, authenticates and selects.
  Result<std::unique_ptr<Connection>> Open();

  // What the server answered: a reply, or an error reply's text.
  struct Answer {
    RedisReply reply{};
    bool is_error{false};
    std::string error{};  // The error reply, when is_error ("NOSCRIPT No matching script").
  };

  // Runs `argv` on a connection from the pool. Only a failure to talk to the server is an
  // error; an error reply is an Answer.
  Result<Answer> Run(std::span<const std::string_view> argv);
  // Makes the Error for an error reply `text`.
  Error ReplyError(std::string_view text) const;
  // `text` with the password, should it appear, replaced by "***".
  std::string Scrub(std::string_view text) const;

  const RedisOptions options_;
  const std::string endpoint_;
  std::atomic<std::uint64_t> connects_{0};
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_{};  // GUARDED_BY(mutex_)
};

// Returns the element `index` of an array reply as an integer or as a number written as a
// string (scripts return fractional values as strings, since Redis truncates Lua numbers).
// Fails with kInternal when the reply has no such element or it is not a number.
Result<double> RedisNumberAt(const RedisReply& reply, std::size_t index);
Result<std::int64_t> RedisIntegerAt(const RedisReply& reply, std::size_t index);

// A number as a script argument: the shortest text that reads back as exactly `value` (Lua's
// tonumber parses it exactly).
std::string RedisNumberArg(double value);

}  // namespace amaima::limits
