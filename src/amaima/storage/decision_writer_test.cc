#include "amaima/storage/decision_writer.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"

namespace amaima::storage {
namespace {

namespace net = boost::asio;

// An in-memory DecisionStore whose InsertBatch can be held at a gate and made to fail.
class FakeDecisionStore final : public DecisionStore {
 public:
  Status InsertBatch(std::span<const StoredDecision> batch) override {
    std::unique_lock<std::mutex> lock(mutex_);
    batch_sizes_.push_back(batch.size());
    changed_.notify_all();
    changed_.wait(lock, [this] { return gate_open_; });
    if (failure_.has_value()) {
      return *failure_;
    }
    std::set<std::string> seen;
    for (const StoredDecision& record : batch) {
      if (records_.contains(record.decision_id) || !seen.insert(record.decision_id).second) {
        return Fail(ErrorCode::kAlreadyExists, "duplicate " + record.decision_id);
      }
    }
    for (const StoredDecision& record : batch) {
      records_.emplace(record.decision_id, record);
      writes_.push_back("decision " + record.decision_id);
    }
    return {};
  }

  Status InsertExecutions(std::span<const StoredExecution> batch) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_.has_value()) {
      return *failure_;
    }
    for (const StoredExecution& record : batch) {
      writes_.push_back("execution " + record.request_id + " of " + record.decision_id);
    }
    changed_.notify_all();
    return {};
  }

  Result<std::vector<StoredExecution>> ListExecutions(std::string_view /*decision_id*/) override {
    return Fail(ErrorCode::kInternal, "not used by these tests");
  }

  Result<StoredDecision> Get(std::string_view decision_id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = records_.find(std::string(decision_id));
    if (it == records_.end()) {
      return Fail(ErrorCode::kNotFound, "not found");
    }
    return it->second;
  }

  Result<DecisionPage> List(const DecisionFilter& /*filter*/, int /*limit*/,
                            std::string_view /*cursor*/) override {
    return Fail(ErrorCode::kInternal, "not used by these tests");
  }

  Status InsertFeedback(const StoredFeedback& /*feedback*/) override {
    return Fail(ErrorCode::kInternal, "not used by these tests");
  }

  Result<std::vector<StoredFeedback>> ListFeedback(std::string_view /*decision_id*/) override {
    return Fail(ErrorCode::kInternal, "not used by these tests");
  }

  Result<FeedbackSamples> ListFeedbackSamples() override {
    return Fail(ErrorCode::kInternal, "not used by these tests");
  }

  Status Ping() override { return {}; }

  void CloseGate() {
    std::lock_guard<std::mutex> lock(mutex_);
    gate_open_ = false;
  }

  void OpenGate() {
    std::lock_guard<std::mutex> lock(mutex_);
    gate_open_ = true;
    changed_.notify_all();
  }

  void FailWith(std::optional<Error> failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::move(failure);
  }

  // Blocks until `count` batches have reached InsertBatch (held at the gate or not).
  void WaitForBatches(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return batch_sizes_.size() >= count; });
  }

  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batch_sizes_;
  }

  bool Contains(const std::string& decision_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_.contains(decision_id);
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_.size();
  }

  // Every committed record, in commit order: "decision <id>" or "execution <req> of <id>".
  std::vector<std::string> writes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return writes_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool gate_open_ = true;                          // GUARDED_BY(mutex_)
  std::optional<Error> failure_;                   // GUARDED_BY(mutex_)
  std::vector<std::size_t> batch_sizes_;           // GUARDED_BY(mutex_)
  std::map<std::string, StoredDecision> records_;  // GUARDED_BY(mutex_)
  std::vector<std::string> writes_;                // GUARDED_BY(mutex_)
};

StoredExecution MakeExecution(const std::string& request_id, const std::string& decision_id) {
  StoredExecution record;
  record.request_id = request_id;
  record.decision_id = decision_id;
  record.status = "ok";
  return record;
}

StoredDecision MakeRecord(int i) {
  StoredDecision record;
  const std::string serial = std::to_string(i);
  record.decision_id = "0193a2c4-5e6f-7000-8abc-" + std::string(12 - serial.size(), '0') + serial;
  record.created_at_ms = 1'763'700'000'000 + i;
  record.org_id = "org-" + std::to_string(i % 3);
  record.level = "SIMPLE";
  record.model = "small";
  record.body_json = "{}";
  return record;
}

// What one appender saw; written only by its own coroutine, read after the io_context stops.
struct Outcome {
  int completions = 0;
  Status status{};
  bool committed_when_completed = false;
  bool on_caller_executor = false;
};

void Rethrow(const std::exception_ptr& error) {
  if (error) {
    std::rethrow_exception(error);
  }
}

// GCC 12 at -O1 and above reports a false -Wmismatched-new-delete on Asio's awaitable frame
// allocator when a coroutine body is inlined (gcc PR middle-end/109224); the frame's operator new
// and sized operator delete do match.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

net::awaitable<void> AppendOnIo(DecisionWriter* writer, const DecisionStore* store,
                                StoredDecision record, Outcome* outcome, net::io_context* io) {
  const std::string id = record.decision_id;
  Status status = co_await writer->Append(std::move(record));
  ++outcome->completions;
  outcome->committed_when_completed = dynamic_cast<const FakeDecisionStore*>(store)->Contains(id);
  outcome->on_caller_executor = io->get_executor().running_in_this_thread();
  outcome->status = std::move(status);
}

net::awaitable<void> AppendOnStrand(DecisionWriter* writer, const DecisionStore* store,
                                    StoredDecision record, Outcome* outcome,
                                    net::strand<net::io_context::executor_type> strand) {
  const std::string id = record.decision_id;
  Status status = co_await writer->Append(std::move(record));
  ++outcome->completions;
  outcome->committed_when_completed = dynamic_cast<const FakeDecisionStore*>(store)->Contains(id);
  outcome->on_caller_executor = strand.running_in_this_thread();
  outcome->status = std::move(status);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void PrintTo(const Outcome& outcome, std::ostream* out) {
  *out << "{completions=" << outcome.completions
       << ", status=" << (outcome.status ? std::string("ok") : outcome.status.error().message)
       << ", committed_when_completed=" << outcome.committed_when_completed
       << ", on_caller_executor=" << outcome.on_caller_executor << "}";
}

MATCHER(CommittedBeforeCompletion, "completed once, after its record committed") {
  return arg.completions == 1 && arg.status.has_value() && arg.committed_when_completed
         && arg.on_caller_executor;
}

MATCHER_P2(FailedWith, code, message, "completed once with the given error") {
  return arg.completions == 1 && !arg.status.has_value() && arg.status.error().code == code
         && (std::string(message).empty() || arg.status.error().message == message);
}

class DecisionWriterTest : public ::testing::Test {
 protected:
  // Spawns an appender of MakeRecord(record) that reports to outcomes_[slot] (default: record).
  void Spawn(DecisionWriter& writer, int record, int slot = -1) {
    Outcome* outcome = &outcomes_[static_cast<std::size_t>(slot < 0 ? record : slot)];
    net::co_spawn(io_, AppendOnIo(&writer, &store_, MakeRecord(record), outcome, &io_), Rethrow);
  }

  // Spawns appenders for records [first, last) and runs them until each has queued its record.
  void SpawnAndQueue(DecisionWriter& writer, int first, int last) {
    for (int i = first; i < last; ++i) {
      Spawn(writer, i);
    }
    io_.poll();  // An append is queued once its coroutine has suspended in Append().
  }

  // Appends record 0 and holds its batch inside InsertBatch until store_.OpenGate().
  void HoldFirstBatch(DecisionWriter& writer) {
    store_.CloseGate();
    SpawnAndQueue(writer, 0, 1);
    store_.WaitForBatches(1);
  }

  std::vector<Outcome> Outcomes(std::size_t first, std::size_t last) const {
    return {outcomes_.begin() + static_cast<std::ptrdiff_t>(first),
            outcomes_.begin() + static_cast<std::ptrdiff_t>(last)};
  }

  FakeDecisionStore store_;
  net::io_context io_;
  std::vector<Outcome> outcomes_ = std::vector<Outcome>(16);
};

// Spawns `count` appenders, half on the io_context and half each on its own strand.
void SpawnMixedAppenders(net::io_context& io, DecisionWriter& writer,
                         const FakeDecisionStore& store, std::vector<Outcome>& outcomes) {
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const int record = static_cast<int>(i);
    if (i % 2 == 0) {
      net::co_spawn(io, AppendOnIo(&writer, &store, MakeRecord(record), &outcomes[i], &io),
                    Rethrow);
    } else {
      auto strand = net::make_strand(io);
      net::co_spawn(strand,
                    AppendOnStrand(&writer, &store, MakeRecord(record), &outcomes[i], strand),
                    Rethrow);
    }
  }
}

// Runs `io` on `threads` threads, holding the first batch in `store` until every other append
// has queued behind it (so that later batches are certainly larger than one record).
void RunWithFirstBatchHeld(net::io_context& io, const DecisionWriter& writer,
                           FakeDecisionStore& store, int threads, std::int64_t appends) {
  store.CloseGate();
  std::vector<std::thread> runners;
  runners.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    runners.emplace_back([&io] { io.run(); });
  }
  store.WaitForBatches(1);
  const auto first = static_cast<std::int64_t>(store.batch_sizes().front());
  while (writer.counters().queue_depth.load() != appends - first) {
    std::this_thread::yield();
  }
  store.OpenGate();
  for (std::thread& runner : runners) {
    runner.join();
  }
}

TEST(DecisionWriterConcurrencyTest, ConcurrentAppendsAreCommittedExactlyOnceBeforeTheyComplete) {
  constexpr int kAppends = 2000;
  FakeDecisionStore store;
  DecisionWriter writer(store, {.batch_max = 64});
  net::io_context io;
  std::vector<Outcome> outcomes(kAppends);
  SpawnMixedAppenders(io, writer, store, outcomes);

  RunWithFirstBatchHeld(io, writer, store, 4, kAppends);

  EXPECT_EQ(store.size(), static_cast<std::size_t>(kAppends));
  EXPECT_THAT(outcomes, ::testing::Each(CommittedBeforeCompletion()));
  const DecisionWriterCounters& counters = writer.counters();
  EXPECT_EQ(counters.records_written.load(), static_cast<std::uint64_t>(kAppends));
  EXPECT_EQ(counters.queue_depth.load(), 0);
  EXPECT_EQ(counters.largest_batch.load(), 64U);
  EXPECT_LT(counters.batches_written.load(), static_cast<std::uint64_t>(kAppends));
}

TEST_F(DecisionWriterTest, RecordsQueuedDuringACommitFormTheNextBatch) {
  DecisionWriter writer(store_, {.batch_max = 4});
  HoldFirstBatch(writer);
  SpawnAndQueue(writer, 1, 11);
  EXPECT_EQ(writer.counters().queue_depth.load(), 10);

  store_.OpenGate();
  io_.run();

  EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{1, 4, 4, 2}));
  EXPECT_THAT(Outcomes(0, 11), ::testing::Each(CommittedBeforeCompletion()));
  EXPECT_EQ(writer.counters().batches_written.load(), 4U);
}

TEST_F(DecisionWriterTest, ExecutionsAreWrittenAfterTheDecisionsQueuedBeforeThem) {
  DecisionWriter writer(store_, {.batch_max = 2});
  HoldFirstBatch(writer);
  SpawnAndQueue(writer, 1, 4);  // Three decisions behind the held one: two more batches.
  writer.Post(MakeExecution("req-3", MakeRecord(3).decision_id));

  store_.OpenGate();
  io_.run();
  writer.Stop();

  const std::vector<std::string> writes = store_.writes();
  ASSERT_EQ(writes.size(), 5U);
  EXPECT_EQ(writes.back(), "execution req-3 of " + MakeRecord(3).decision_id);
  EXPECT_EQ(writer.counters().executions_written.load(), 1U);
}

TEST_F(DecisionWriterTest, ExecutionsAloneAreWrittenWithoutWaitingForDecisions) {
  DecisionWriter writer(store_, {});
  writer.Post(MakeExecution("req-1", "d-1"));
  writer.Post(MakeExecution("req-2", "d-2"));
  writer.Stop();
  EXPECT_EQ(store_.writes(),
            (std::vector<std::string>{"execution req-1 of d-1", "execution req-2 of d-2"}));
  EXPECT_EQ(writer.counters().executions_written.load(), 2U);
}

TEST_F(DecisionWriterTest, PostedDecisionsAreWrittenInOrderWithoutAWaiter) {
  DecisionWriter writer(store_, {});
  writer.Post(MakeRecord(1));
  writer.Post(MakeExecution("req-1", MakeRecord(1).decision_id));
  writer.Post(MakeRecord(2));
  writer.Stop();
  writer.Post(MakeRecord(3));

  // The writer may take the second decision in the same round or the next: either way the
  // execution comes after the decision queued before it.
  const std::vector<std::string> writes = store_.writes();
  ASSERT_EQ(writes.size(), 3U);
  EXPECT_EQ(writes[0], "decision " + MakeRecord(1).decision_id);
  const std::string execution = "execution req-1 of " + MakeRecord(1).decision_id;
  const std::string second = "decision " + MakeRecord(2).decision_id;
  EXPECT_TRUE((writes[1] == execution && writes[2] == second)
              || (writes[1] == second && writes[2] == execution));
  EXPECT_EQ(writer.counters().records_written.load(), 2U);
  EXPECT_EQ(writer.counters().decisions_dropped.load(), 1U);
  EXPECT_FALSE(store_.Contains(MakeRecord(3).decision_id));
}

TEST_F(DecisionWriterTest, PostedRecordsWaitForAFullBatch) {
  // Nothing awaited: the writer waits (here up to an hour) until a batch is full.
  DecisionWriter writer(store_, {.batch_max = 4, .posted_linger = std::chrono::hours(1)});
  for (int i = 0; i < 4; ++i) {
    writer.Post(MakeRecord(i));
  }
  store_.WaitForBatches(1);
  EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{4}));
  writer.Post(MakeRecord(4));
  writer.Stop();  // Ends the wait for the next batch.
  EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{4, 1}));
}

TEST_F(DecisionWriterTest, AnAppendEndsTheWaitOfPostedRecords) {
  // Posted records wait (up to an hour) for company; an Append arriving meanwhile is written at
  // once, in the same transaction as them. (Without the cut this test would hang for an hour.)
  DecisionWriter writer(store_, {.posted_linger = std::chrono::hours(1)});
  writer.Post(MakeRecord(1));
  writer.Post(MakeExecution("req-1", MakeRecord(1).decision_id));
  writer.Post(MakeRecord(2));
  Spawn(writer, 3);
  io_.run();
  EXPECT_THAT(Outcomes(3, 4), ::testing::Each(CommittedBeforeCompletion()));
  EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{3}));
  writer.Stop();
  EXPECT_EQ(store_.writes().back(), "execution req-1 of " + MakeRecord(1).decision_id);
}

TEST_F(DecisionWriterTest, FailedAndLateExecutionsAreCounted) {
  DecisionWriter writer(store_, {});
  store_.FailWith(Fail(ErrorCode::kUnavailable, "disk gone"));
  writer.Post(MakeExecution("req-1", "d-1"));
  writer.Stop();
  writer.Post(MakeExecution("req-2", "d-2"));
  EXPECT_EQ(writer.counters().executions_failed.load(), 1U);
  EXPECT_EQ(writer.counters().executions_dropped.load(), 1U);
  EXPECT_TRUE(store_.writes().empty());
}

TEST_F(DecisionWriterTest, StopCommitsWhatIsQueuedThenRefusesAppends) {
  DecisionWriter writer(store_, {});
  HoldFirstBatch(writer);
  SpawnAndQueue(writer, 1, 4);

  std::thread stopper([&writer] { writer.Stop(); });
  while (!writer.stopped()) {
    std::this_thread::yield();
  }
  SpawnAndQueue(writer, 4, 5);
  store_.OpenGate();
  stopper.join();
  io_.run();

  EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{1, 3}));
  EXPECT_THAT(Outcomes(0, 4), ::testing::Each(CommittedBeforeCompletion()));
  EXPECT_THAT(outcomes_[4], FailedWith(ErrorCode::kUnavailable, ""));
  EXPECT_FALSE(store_.Contains(MakeRecord(4).decision_id));
  writer.Stop();  // Idempotent.
}

TEST_F(DecisionWriterTest, StoreErrorsCompleteEveryWaiterOfTheBatch) {
  DecisionWriter writer(store_, {});
  store_.FailWith(Fail(ErrorCode::kUnavailable, "disk full"));
  HoldFirstBatch(writer);
  SpawnAndQueue(writer, 1, 4);
  store_.OpenGate();
  io_.run();
  io_.restart();

  store_.FailWith(std::nullopt);
  SpawnAndQueue(writer, 4, 5);
  io_.run();

  EXPECT_THAT(Outcomes(0, 4), ::testing::Each(FailedWith(ErrorCode::kUnavailable, "disk full")));
  EXPECT_THAT(outcomes_[4], CommittedBeforeCompletion());
  const DecisionWriterCounters& counters = writer.counters();
  EXPECT_EQ(counters.batches_failed.load(), 2U);
  EXPECT_EQ(counters.records_failed.load(), 4U);
  EXPECT_EQ(counters.batches_written.load(), 1U);
  EXPECT_EQ(counters.records_written.load(), 1U);
}

TEST_F(DecisionWriterTest, DuplicateInOneBatchFailsTheWholeBatch) {
  DecisionWriter writer(store_, {});
  HoldFirstBatch(writer);
  Spawn(writer, 1);
  Spawn(writer, 1, 2);
  io_.poll();
  store_.OpenGate();
  io_.run();

  EXPECT_THAT(outcomes_[0], CommittedBeforeCompletion());
  EXPECT_THAT(Outcomes(1, 3), ::testing::Each(FailedWith(ErrorCode::kAlreadyExists, "")));
  EXPECT_FALSE(store_.Contains(MakeRecord(1).decision_id));
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // As above.
#endif

// End to end on SQLite: what Append acknowledged is readable from the file.
net::awaitable<void> AppendMany(DecisionWriter* writer, int first, int count, int* failures) {
  for (int i = first; i < first + count; ++i) {
    Status status = co_await writer->Append(MakeRecord(i));
    if (!status) {
      ++*failures;
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

struct SqliteRun {
  std::chrono::steady_clock::duration elapsed{};
  std::uint64_t batches = 0;
  int failures = 0;
};

SqliteRun AppendToSqlite(SqliteDecisionStore& store, int appenders, int per_appender) {
  DecisionWriter writer(store, {});
  net::io_context io;
  std::vector<int> failures(static_cast<std::size_t>(appenders), 0);
  for (int a = 0; a < appenders; ++a) {
    net::co_spawn(
        io,
        AppendMany(&writer, a * per_appender, per_appender, &failures[static_cast<std::size_t>(a)]),
        Rethrow);
  }
  const auto start = std::chrono::steady_clock::now();
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
  SqliteRun run;
  run.elapsed = std::chrono::steady_clock::now() - start;
  writer.Stop();
  run.batches = writer.counters().batches_written.load();
  for (const int f : failures) {
    run.failures += f;
  }
  return run;
}

TEST(DecisionWriterSqliteTest, AcknowledgedAppendsAreReadable) {
  TempDir dir;
  SqliteOptions options;
  options.path = dir.File("decisions.db");
  options.synchronous = "normal";
  Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);
  ASSERT_TRUE(store) << store.error().message;

  const SqliteRun run = AppendToSqlite(**store, 16, 10);

  EXPECT_EQ(run.failures, 0);
  const Result<DecisionPage> page = (*store)->List({}, 500, "");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 160U);
}

TEST(DecisionWriterSqliteTest, ACycleCommitsItsDecisionsEvenWhenItsExecutionsFail) {
  TempDir dir;
  SqliteOptions options;
  options.path = dir.File("decisions.db");
  Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);
  ASSERT_TRUE(store) << store.error().message;
  // Posted records wait (up to an hour) for the append, so that one cycle takes them all: a
  // decision, and two executions with the same request id.
  DecisionWriter writer(**store, {.posted_linger = std::chrono::hours(1)});
  const std::string decision_id = MakeRecord(1).decision_id;
  writer.Post(MakeExecution("req-1", decision_id));
  writer.Post(MakeExecution("req-1", decision_id));
  net::io_context io;
  int failures = 0;
  net::co_spawn(io, AppendMany(&writer, 1, 1, &failures), Rethrow);
  io.run();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(writer.counters().batches_written.load(), 1U);
  EXPECT_EQ(writer.counters().executions_failed.load(), 2U);
  EXPECT_TRUE((*store)->Get(decision_id));
  EXPECT_TRUE((*store)->ListExecutions(decision_id)->empty());
  writer.Post(MakeExecution("req-1", decision_id));  // The store still takes writes.
  writer.Stop();
  EXPECT_EQ((*store)->ListExecutions(decision_id)->size(), 1U);
}

// Measures group commit with synchronous=full. Not a pass/fail test; run with
// --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'.
TEST(DecisionWriterSqliteTest, DISABLED_ThroughputWithSynchronousFull) {
  constexpr int kAppenders = 64;
  constexpr int kPerAppender = 200;
  TempDir dir;
  SqliteOptions options;
  options.path = dir.File("decisions.db");
  options.synchronous = "full";
  Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);
  ASSERT_TRUE(store) << store.error().message;

  const SqliteRun run = AppendToSqlite(**store, kAppenders, kPerAppender);

  EXPECT_EQ(run.failures, 0);
  const double seconds = std::chrono::duration<double>(run.elapsed).count();
  const double records = kAppenders * kPerAppender;
  std::printf(
      "%d appenders x %d records, synchronous=full: %.3f s, %.0f records/s, "
      "%llu batches (%.1f records/batch)\n",
      kAppenders, kPerAppender, seconds, records / seconds,
      static_cast<unsigned long long>(run.batches),  // NOLINT(google-runtime-int)
      records / static_cast<double>(run.batches));
}

}  // namespace
}  // namespace amaima::storage
