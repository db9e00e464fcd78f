#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/storage/decision_store.h"

namespace amaima::storage {

struct DecisionWriterOptions {
  // The most records written in one transaction.
  std::size_t batch_max{256};
  // How long the writer thread waits for more records after the first one of a batch arrives,
  // when fewer than batch_max are queued and an Append waits for the batch. Zero (the default)
  // writes whatever is queued at once; group commit then comes from records that queue up while
  // the previous batch commits.
  std::chrono::microseconds linger{0};
  // The same wait when nothing queued is awaited (only Post()ed decisions and executions): no
  // answer waits for these, so waiting puts more records in each transaction without adding
  // latency to any answer; an Append arriving meanwhile ends the wait at once. Zero (the
  // default) writes at once: on a lightly loaded machine a writer that sleeps longer lets the
  // CPUs go idle, and waking them costs the request path more than the larger batches save
  // (docs/performance.md).
  std::chrono::microseconds posted_linger{0};
};

// Plain counters for metrics (read them with relaxed loads; no lock needed).
struct DecisionWriterCounters {
  std::atomic<std::uint64_t> batches_written{0};  // Committed transactions.
  std::atomic<std::uint64_t> records_written{0};  // Records in committed transactions.
  std::atomic<std::uint64_t> batches_failed{0};   // InsertBatch calls that returned an error.
  std::atomic<std::uint64_t> records_failed{0};   // Records whose Append completed with an error.
  std::atomic<std::int64_t> queue_depth{0};     // Records accepted and not yet handed to the store.
  std::atomic<std::uint64_t> largest_batch{0};  // The largest batch handed to the store.
  std::atomic<std::uint64_t> decisions_dropped{0};   // Posted after Stop(): not written.
  std::atomic<std::uint64_t> executions_written{0};  // Execution records committed.
  std::atomic<std::uint64_t> executions_failed{0};   // Execution records whose batch failed.
  std::atomic<std::uint64_t> executions_dropped{0};  // Posted after Stop(): not written.
};

// Group commit of decisions off the I/O threads. Append() queues a record and completes only
// after the transaction that contains it has committed, so an acknowledged decision survives a
// crash (with synchronous=full, also a power loss). One dedicated writer thread takes everything
// queued (up to batch_max) and writes it with one DecisionStore::InsertBatch call; every record of
// a failed batch completes with the store's error.
//
// @par Thread Safety
// Thread-safe. Append() may be called from any number of coroutines on any executors at once;
// it never blocks the calling thread beyond a short mutex hold. Stop() blocks until the queue is
// committed, so do not call it from an I/O thread whose io_context runs Append callers.
//
// @par Ownership and lifetimes
// `store` is borrowed and must outlive the writer. A pending Append holds outstanding work on its
// caller's executor, so that executor's io_context keeps running until the append completes; the
// io_context object must outlive Stop() (completions are posted to it). Append is not
// cancellable: once queued, a record is written.
class DecisionWriter {
 public:
  // Starts the writer thread.
  DecisionWriter(DecisionStore& store, DecisionWriterOptions options);
  DecisionWriter(const DecisionWriter&) = delete;
  DecisionWriter& operator=(const DecisionWriter&) = delete;
  DecisionWriter(DecisionWriter&&) = delete;
  DecisionWriter& operator=(DecisionWriter&&) = delete;
  // Calls Stop().
  ~DecisionWriter();

  // Queues `record` and completes, on the caller's executor, once the transaction containing it
  // has committed (Status{}), or with the store's error if that transaction failed. Fails with
  // kUnavailable after Stop() has begun.
  boost::asio::awaitable<Status> Append(StoredDecision record) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Status)>(
        AppendInitiation{this}, boost::asio::use_awaitable, std::move(record));
  }

  // Queues a decision without waiting for its commit: a failed write is only counted (in
  // records_failed). Dropped, and counted in decisions_dropped, after Stop() has begun.
  void Post(StoredDecision record);

  // Queues an execution record without waiting for its commit (usage is recorded after the
  // answer). Executions are written after the decisions taken from the queue at the same time,
  // in their transaction (DecisionStore::InsertDecisionsAndExecutions), so an execution is
  // never committed before the decision it names when that decision was appended first; their
  // failure does not undo those decisions. Failures are counted, not reported. Dropped (and
  // counted) after Stop() has begun.
  void Post(StoredExecution record);

  // Refuses new appends, commits everything already queued, completes its waiters and joins the
  // writer thread. Idempotent; safe to call from several threads.
  void Stop();

  // Returns true once Stop() has begun (Append then fails with kUnavailable).
  bool stopped() const;

  const DecisionWriterCounters& counters() const { return counters_; }

 private:
  // Completes an Append: posts the original handler to its associated executor with the status.
  // Holds outstanding work on that executor until then.
  template <typename Handler>
  class PostingCompletion {
   public:
    explicit PostingCompletion(Handler handler)
        : work_(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                    boost::asio::execution::outstanding_work.tracked)),
          handler_(std::move(handler)) {}

    void operator()(Status status) {
      auto work = std::move(work_);
      boost::asio::post(work, boost::asio::append(std::move(handler_), std::move(status)));
    }

   private:
    using WorkExecutor = std::decay_t<decltype(boost::asio::prefer(
        boost::asio::get_associated_executor(std::declval<Handler&>()),
        boost::asio::execution::outstanding_work.tracked))>;
    WorkExecutor work_;
    Handler handler_;
  };

  using Completion = boost::asio::any_completion_handler<void(Status)>;

  struct AppendInitiation {
    DecisionWriter* writer;

    template <typename Handler>
    void operator()(Handler&& handler, StoredDecision record) const {
      writer->Enqueue(
          std::move(record),
          Completion(PostingCompletion<std::decay_t<Handler>>(std::forward<Handler>(handler))),
          true);
    }
  };

  struct Pending {
    StoredDecision record{};
    Completion completion{};
    bool awaited{true};  // An Append waits for it (not a Post).
  };

  // Queues one record, or completes `completion` with kUnavailable after Stop().
  void Enqueue(StoredDecision record, Completion completion, bool awaited);
  // Whether what was just queued must wake the writer thread: it sleeps with nothing queued, or
  // it lingers and the batch is now full or now awaited. Otherwise it will take the record
  // without being woken, which saves a system call per record. Called under mutex_.
  bool ShouldWake(bool awaited) const;
  // The writer thread's loop.
  void Run();
  // Waits (linger or posted_linger) for a batch to fill, unless it is full or stopping.
  void Linger(std::unique_lock<std::mutex>& lock);
  // Writes and clears `executions` (one transaction), counting the outcome.
  void WriteExecutions(std::vector<StoredExecution>& executions);

  DecisionStore& store_;
  const DecisionWriterOptions options_;
  DecisionWriterCounters counters_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;            // Signalled on enqueue and on Stop().
  std::deque<Pending> queue_;               // GUARDED_BY(mutex_)
  std::deque<StoredExecution> executions_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;                   // GUARDED_BY(mutex_)
  std::size_t awaited_ = 0;  // Pending records in queue_ with awaited set. GUARDED_BY(mutex_)
  bool idle_ = false;        // The writer waits with nothing queued. GUARDED_BY(mutex_)
  bool lingering_ = false;   // The writer waits to fill a batch. GUARDED_BY(mutex_)

  std::mutex stop_mutex_;  // Serialises Stop(); held while joining.
  std::thread thread_;     // Joined by Stop() under stop_mutex_.
};

}  // namespace amaima::storage
