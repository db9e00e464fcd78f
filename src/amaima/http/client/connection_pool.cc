#include "amaima/http/client/connection_pool.h"

#include <functional>
#include <utility>

#include "amaima/http/client/upstream_connection.h"

namespace amaima::http {

namespace {

constexpr auto kSweepInterval = std::chrono::seconds(1);

}  // namespace

std::size_t PoolKeyHash::operator()(const PoolKey& key) const {
  std::size_t hash = std::hash<const void*>()(key.context);
  const auto mix = [&hash](std::size_t value) {
    hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  };
  mix(std::hash<std::string>()(key.scheme));
  mix(std::hash<std::string>()(key.host));
  mix(std::hash<std::uint16_t>()(key.port));
  return hash;
}

ConnectionPool::ConnectionPool(std::size_t max_idle_per_host,
                               std::chrono::milliseconds idle_timeout, const Clock& clock)
    : max_idle_per_host_(max_idle_per_host), idle_timeout_(idle_timeout), clock_(clock) {}

ConnectionPool::~ConnectionPool() {
  Clear();
}

void ConnectionPool::TakeExpired(IdleList& list, std::chrono::steady_clock::time_point now,
                                 std::vector<std::unique_ptr<UpstreamConnection>>& closing) {
  while (!list.empty() && now - list.front().since >= idle_timeout_) {
    closing.push_back(std::move(list.front().connection));
    list.pop_front();
    idle_count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void ConnectionPool::MaybeSweep(std::chrono::steady_clock::time_point now,
                                std::vector<std::unique_ptr<UpstreamConnection>>& closing) {
  if (now - last_sweep_ < kSweepInterval) {
    return;
  }
  last_sweep_ = now;
  for (auto it = idle_.begin(); it != idle_.end();) {
    TakeExpired(it->second, now, closing);
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

std::unique_ptr<UpstreamConnection> ConnectionPool::Acquire(const PoolKey& key) {
  for (;;) {
    std::vector<std::unique_ptr<UpstreamConnection>> closing;
    std::unique_ptr<UpstreamConnection> candidate;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto now = clock_.Monotonic();
      MaybeSweep(now, closing);
      const auto it = idle_.find(key);
      if (it == idle_.end()) {
        return nullptr;
      }
      TakeExpired(it->second, now, closing);
      if (it->second.empty()) {
        idle_.erase(it);
        return nullptr;
      }
      // The most recently used connection is the least likely to have been closed.
      candidate = std::move(it->second.back().connection);
      it->second.pop_back();
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
    }
    // `closing` is destroyed here, outside the lock.
    if (candidate->LooksAlive()) {
      return candidate;
    }
  }
}

void ConnectionPool::Release(const PoolKey& key, std::unique_ptr<UpstreamConnection> connection) {
  std::vector<std::unique_ptr<UpstreamConnection>> closing;
  if (max_idle_per_host_ == 0) {
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_.Monotonic();
  MaybeSweep(now, closing);
  IdleList& list = idle_[key];
  list.push_back(Idle{std::move(connection), now});
  idle_count_.fetch_add(1, std::memory_order_relaxed);
  if (list.size() > max_idle_per_host_) {
    closing.push_back(std::move(list.front().connection));
    list.pop_front();
    idle_count_.fetch_sub(1, std::memory_order_relaxed);
  }
  // The lock is released before `closing` is destroyed (reverse declaration order).
}

void ConnectionPool::Clear() {
  std::unordered_map<PoolKey, IdleList, PoolKeyHash> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing.swap(idle_);
    idle_count_.store(0, std::memory_order_relaxed);
  }
}

}  // namespace amaima::http
