#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "amaima/core/clock.h"

namespace amaima::http {

class UpstreamConnection;

// Where pooled connections may be reused: the origin and the io_context whose
// reactor the sockets belong to.
struct PoolKey {
  const void* context{nullptr};
  std::string scheme{};
  std::string host{};
  std::uint16_t port{0};

  bool operator==(const PoolKey&) const = default;
};

struct PoolKeyHash {
  std::size_t operator()(const PoolKey& key) const;
};

// Idle keep-alive connections, per PoolKey, most recently used first.
//
// Connections idle longer than `idle_timeout` are closed when next seen (every
// Acquire() and Release() also sweeps all origins about once a second), and at
// most `max_idle_per_host` are kept per key (the oldest is closed first).
//
// @par Thread Safety
// Thread-safe. Connections are closed outside the lock. `clock` is borrowed and
// must outlive the pool.
class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle_per_host, std::chrono::milliseconds idle_timeout,
                 const Clock& clock);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ConnectionPool(ConnectionPool&&) = delete;
  ConnectionPool& operator=(ConnectionPool&&) = delete;
  ~ConnectionPool();

  // Returns an idle connection for `key` that still looks alive, or nullptr. Dead
  // and expired connections met on the way are closed.
  std::unique_ptr<UpstreamConnection> Acquire(const PoolKey& key);

  // Keeps `connection`, which must be ready for another request, for later use.
  void Release(const PoolKey& key, std::unique_ptr<UpstreamConnection> connection);

  // Closes every idle connection.
  void Clear();

  std::size_t idle_count() const { return idle_count_.load(std::memory_order_relaxed); }

 private:
  struct Idle {
    std::unique_ptr<UpstreamConnection> connection{};
    std::chrono::steady_clock::time_point since{};
  };

  using IdleList = std::deque<Idle>;  // Oldest at the front.

  // Moves expired connections of `list` to `closing`. Requires mutex_.
  void TakeExpired(IdleList& list, std::chrono::steady_clock::time_point now,
                   std::vector<std::unique_ptr<UpstreamConnection>>& closing);
  // Sweeps every origin if a second has passed since the last sweep. Requires mutex_.
  void MaybeSweep(std::chrono::steady_clock::time_point now,
                  std::vector<std::unique_ptr<UpstreamConnection>>& closing);

  const std::size_t max_idle_per_host_;
  const std::chrono::milliseconds idle_timeout_;
  const Clock& clock_;
  std::atomic<std::size_t> idle_count_{0};

  mutable std::mutex mutex_;
  std::unordered_map<PoolKey, IdleList, PoolKeyHash> idle_;  // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point last_sweep_{};       // GUARDED_BY(mutex_)
};

}  // namespace amaima::http
