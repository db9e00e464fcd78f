#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/governance/governance.h"
#include "amaima/storage/governance_store.h"

namespace amaima::governance {

struct AuditQueueCounters {
  std::atomic<std::uint64_t> posted{0};
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> failed{0};  // Rows given up on after kMaxAttempts.
  std::atomic<std::uint64_t> queue_depth{0};
};

// Audit rows written off the request path (DESIGN.md §3: on completion "audit rows are
// queued"): executions are audited without the request waiting on the chain's lock. One
// thread appends what is queued in batches of up to `batch_max` rows, each batch one
// transaction (GovernanceStore::AppendAuditBatch). A batch that fails is retried
// (kMaxAttempts, 200 ms apart) before its rows are counted as failed. Stop() (and the
// destructor) writes everything queued before returning.
//
// @par Thread Safety
// Post() may be called from any thread and never blocks on the store. Everything passed to
// the constructor is borrowed and must outlive the queue.
class AuditQueue {
 public:
  static constexpr int kMaxAttempts = 5;

  // Nobody waits for an audit row, so the thread may wait up to `linger` for a batch to fill
  // before it writes (Flush() and Stop() end the wait): more rows share one transaction.
  // Default none (storage.writer_background_linger_ms).
  static constexpr std::chrono::microseconds kDefaultLinger{0};
  static constexpr std::size_t kDefaultBatchMax = 256;

  AuditQueue(storage::GovernanceStore& store, IdGenerator& ids, const Clock& clock,
             std::size_t batch_max = kDefaultBatchMax,
             std::chrono::microseconds linger = kDefaultLinger);
  AuditQueue(const AuditQueue&) = delete;
  AuditQueue& operator=(const AuditQueue&) = delete;
  AuditQueue(AuditQueue&&) = delete;
  AuditQueue& operator=(AuditQueue&&) = delete;
  ~AuditQueue();

  // Queues one row; its event id and time are taken now.
  void Post(const AuditEvent& event);
  // Blocks until every row posted before the call is written or given up on.
  void Flush();
  // Writes what is queued and stops the thread. Later posts are counted as failed.
  void Stop();

  const AuditQueueCounters& counters() const { return counters_; }

 private:
  void Run();

  storage::GovernanceStore& store_;
  IdGenerator& ids_;
  const Clock& clock_;
  std::size_t batch_max_;
  std::chrono::microseconds linger_;
  AuditQueueCounters counters_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<storage::AuditEntry> queue_{};  // GUARDED_BY(mutex_)
  std::uint64_t settled_{0};                 // GUARDED_BY(mutex_): written + failed.
  std::uint64_t enqueued_{0};                // GUARDED_BY(mutex_)
  std::uint64_t flush_target_{0};            // GUARDED_BY(mutex_): what Flush() waits for.
  bool stopping_{false};                     // GUARDED_BY(mutex_)
  bool idle_{false};       // The thread waits with nothing queued. GUARDED_BY(mutex_)
  bool lingering_{false};  // The thread waits for a batch to fill. GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace amaima::governance
