#include "amaima/governance/audit_queue.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

namespace amaima::governance {

AuditQueue::AuditQueue(storage::GovernanceStore& store, IdGenerator& ids, const Clock& clock,
                       std::size_t batch_max, std::chrono::microseconds linger)
    : store_(store),
      ids_(ids),
      clock_(clock),
      batch_max_(batch_max == 0 ? 1 : batch_max),
      linger_(linger),
      thread_([this] { Run(); }) {}

AuditQueue::~AuditQueue() {
  Stop();
}

void AuditQueue::Post(const AuditEvent& event) {
  storage::AuditEntry entry = MakeAuditEntry(event, ids_, clock_);
  counters_.posted.fetch_add(1, std::memory_order_relaxed);
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      counters_.failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(entry));
    ++enqueued_;
    counters_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
    // A busy thread looks at the queue again before it sleeps: waking it would only cost a
    // system call.
    wake = idle_ || (lingering_ && queue_.size() >= batch_max_);
  }
  if (wake) {
    wake_.notify_one();
  }
}

void AuditQueue::Flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = enqueued_;
  flush_target_ = std::max(flush_target_, target);
  wake_.notify_one();  // Ends a linger.
  done_.wait(lock, [&] { return settled_ >= target; });
}

void AuditQueue::Stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void AuditQueue::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    idle_ = true;
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    idle_ = false;
    if (queue_.empty()) {
      return;  // Stopping with nothing left.
    }
    const auto cut = [&] {
      return stopping_ || queue_.size() >= batch_max_ || flush_target_ > settled_;
    };
    if (linger_.count() > 0 && !cut()) {
      lingering_ = true;
      wake_.wait_for(lock, linger_, cut);
      lingering_ = false;
    }
    std::vector<storage::AuditEntry> batch;
    while (!queue_.empty() && batch.size() < batch_max_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    counters_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
    lock.unlock();
    const std::size_t rows = batch.size();
    bool written = false;
    for (int attempt = 0; attempt < kMaxAttempts && !written; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      written = store_.AppendAuditBatch(batch).has_value();
    }
    (written ? counters_.written : counters_.failed).fetch_add(rows, std::memory_order_relaxed);
    lock.lock();
    settled_ += rows;
    done_.notify_all();
  }
}

}  // namespace amaima::governance
