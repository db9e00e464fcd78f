#include "amaima/storage/decision_writer.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "amaima/core/check.h"

namespace amaima::storage {

DecisionWriter::DecisionWriter(DecisionStore& store, DecisionWriterOptions options)
    : store_(store), options_(options) {
  AMAIMA_CHECK(options_.batch_max > 0);
  thread_ = std::thread([this] { Run(); });
}

DecisionWriter::~DecisionWriter() {
  Stop();
}

void DecisionWriter::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool DecisionWriter::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

bool DecisionWriter::ShouldWake(bool awaited) const {
  if (idle_) {
    return true;
  }
  if (!lingering_) {
    return false;  // Busy writing: it looks at the queue again before it sleeps.
  }
  // The first awaited record (awaited_ just became 1) ends a wait for posted records.
  return (awaited && awaited_ == 1) || queue_.size() >= options_.batch_max
         || executions_.size() >= options_.batch_max;
}

void DecisionWriter::Enqueue(StoredDecision record, Completion completion, bool awaited) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(record), std::move(completion), awaited});
      awaited_ += awaited ? 1 : 0;
      counters_.queue_depth.fetch_add(1, std::memory_order_relaxed);
      const bool wake = ShouldWake(awaited);
      lock.unlock();
      if (wake) {
        wake_.notify_one();
      }
      return;
    }
  }
  // Completing posts to the caller's executor, so doing it here (inside the initiation) is safe.
  std::move(completion)(
      Fail(ErrorCode::kUnavailable, "the decision writer is stopped; the decision was not stored"));
}

void DecisionWriter::Post(StoredDecision record) {
  if (stopped()) {
    counters_.decisions_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Nobody waits: the completion only has to exist (a failed batch is counted by Run()).
  Enqueue(std::move(record), Completion([](const Status& /*status*/) {}), false);
}

void DecisionWriter::Post(StoredExecution record) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!stopping_) {
      executions_.push_back(std::move(record));
      const bool wake = ShouldWake(false);
      lock.unlock();
      if (wake) {
        wake_.notify_one();
      }
      return;
    }
  }
  counters_.executions_dropped.fetch_add(1, std::memory_order_relaxed);
}

void DecisionWriter::WriteExecutions(std::vector<StoredExecution>& executions) {
  if (executions.empty()) {
    return;
  }
  const Status status = store_.InsertExecutions(executions);
  auto& counter = status ? counters_.executions_written : counters_.executions_failed;
  counter.fetch_add(executions.size(), std::memory_order_relaxed);
  executions.clear();
}

void DecisionWriter::Linger(std::unique_lock<std::mutex>& lock) {
  const bool posted_only = awaited_ == 0;
  const std::chrono::microseconds linger = posted_only ? options_.posted_linger : options_.linger;
  const auto full = [this] {
    return queue_.size() >= options_.batch_max || executions_.size() >= options_.batch_max;
  };
  if (linger.count() <= 0 || stopping_ || full()) {
    return;
  }
  lingering_ = true;
  wake_.wait_for(lock, linger,
                 [&] { return stopping_ || full() || (posted_only && awaited_ > 0); });
  lingering_ = false;
}

void DecisionWriter::Run() {
  std::vector<StoredExecution> executions;
  std::vector<StoredDecision> records;
  std::vector<Completion> completions;
  records.reserve(options_.batch_max);
  completions.reserve(options_.batch_max);

  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    idle_ = true;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || !executions_.empty(); });
    idle_ = false;
    if (queue_.empty() && executions_.empty()) {
      break;  // Stopping, and everything accepted has been written.
    }
    Linger(lock);
    if (queue_.empty()) {
      const std::size_t count = std::min(executions_.size(), options_.batch_max);
      std::move(executions_.begin(), executions_.begin() + static_cast<std::ptrdiff_t>(count),
                std::back_inserter(executions));
      executions_.erase(executions_.begin(),
                        executions_.begin() + static_cast<std::ptrdiff_t>(count));
      lock.unlock();
      WriteExecutions(executions);
      lock.lock();
      continue;
    }
    const std::size_t count = std::min(queue_.size(), options_.batch_max);
    for (std::size_t i = 0; i < count; ++i) {
      records.push_back(std::move(queue_.front().record));
      completions.push_back(std::move(queue_.front().completion));
      awaited_ -= queue_.front().awaited ? 1 : 0;
      queue_.pop_front();
    }
    counters_.queue_depth.fetch_sub(static_cast<std::int64_t>(count), std::memory_order_relaxed);
    // Executions queued so far may name any decision queued before them: they are taken only
    // once those decisions are all in hand, and written after them.
    const std::size_t execution_count =
        queue_.empty() ? std::min(executions_.size(), options_.batch_max) : 0;
    std::move(executions_.begin(),
              executions_.begin() + static_cast<std::ptrdiff_t>(execution_count),
              std::back_inserter(executions));
    executions_.erase(executions_.begin(),
                      executions_.begin() + static_cast<std::ptrdiff_t>(execution_count));
    lock.unlock();

    // Appenders keep queueing while this transaction commits; they form the next batch. The
    // executions taken share the decisions' commit.
    const DecisionStore::BatchOutcome outcome =
        store_.InsertDecisionsAndExecutions(records, executions);
    const Status& status = outcome.decisions;
    std::uint64_t largest = counters_.largest_batch.load(std::memory_order_relaxed);
    while (largest < count
           && !counters_.largest_batch.compare_exchange_weak(largest, count,
                                                             std::memory_order_relaxed)) {
    }
    if (status) {
      counters_.batches_written.fetch_add(1, std::memory_order_relaxed);
      counters_.records_written.fetch_add(count, std::memory_order_relaxed);
    } else {
      counters_.batches_failed.fetch_add(1, std::memory_order_relaxed);
      counters_.records_failed.fetch_add(count, std::memory_order_relaxed);
    }
    if (!executions.empty()) {
      auto& written =
          outcome.executions ? counters_.executions_written : counters_.executions_failed;
      written.fetch_add(executions.size(), std::memory_order_relaxed);
      executions.clear();
    }
    // The counters above are settled before any waiter resumes.
    for (Completion& completion : completions) {
      std::move(completion)(status);
    }
    records.clear();
    completions.clear();
    lock.lock();
  }
}

}  // namespace amaima::storage
