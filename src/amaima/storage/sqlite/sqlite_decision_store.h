#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"

namespace amaima::storage {

struct SqliteOptions {
  std::string path{};               // Database file; created if missing.
  std::string synchronous{"full"};  // "full" (survives power loss) or "normal" (survives crashes).
  std::chrono::milliseconds busy_timeout{5000};  // How long to wait for another process's lock.
  int read_connections{4};                       // Size of the read pool, 1..64.
};

// DecisionStore on one SQLite file in WAL mode: one writer connection, used only by the Insert*
// methods under a mutex, and a pool of read connections so that the reads from several threads
// run concurrently with each other and with the writer. Statements are prepared once per
// connection.
//
// @par Thread Safety
// Thread-safe (see DecisionStore). Readers block only while all read connections are busy.
class SqliteDecisionStore final : public DecisionStore {
 public:
  // Opens or creates the database, sets WAL, `synchronous`, foreign keys and the busy timeout,
  // and applies pending migrations. Fails with kInvalidArgument for bad options,
  // kFailedPrecondition for a database newer than this binary, kUnavailable if the file cannot
  // be opened.
  static Result<std::unique_ptr<SqliteDecisionStore>> Open(const SqliteOptions& options);

  SqliteDecisionStore(const SqliteDecisionStore&) = delete;
  SqliteDecisionStore& operator=(const SqliteDecisionStore&) = delete;
  SqliteDecisionStore(SqliteDecisionStore&&) = delete;
  SqliteDecisionStore& operator=(SqliteDecisionStore&&) = delete;
  ~SqliteDecisionStore() override;

  Status InsertBatch(std::span<const StoredDecision> batch) override;
  Result<StoredDecision> Get(std::string_view decision_id) override;
  Result<DecisionPage> List(const DecisionFilter& filter, int limit,
                            std::string_view cursor) override;
  Status InsertExecutions(std::span<const StoredExecution> batch) override;
  // One transaction; the executions under a savepoint, so that their failure leaves the
  // decisions to commit.
  BatchOutcome InsertDecisionsAndExecutions(std::span<const StoredDecision> decisions,
                                            std::span<const StoredExecution> executions) override;
  Result<std::vector<StoredExecution>> ListExecutions(std::string_view decision_id) override;
  Status InsertFeedback(const StoredFeedback& feedback) override;
  Result<std::vector<StoredFeedback>> ListFeedback(std::string_view decision_id) override;
  Result<FeedbackSamples> ListFeedbackSamples() override;
  Status Ping() override;

  // Returns the SQL List() runs for `filter` (its non-empty fields) with or without a cursor;
  // tests check its query plan.
  static std::string ListSql(const DecisionFilter& filter, bool has_cursor);

 private:
  // 3 filter fields and the cursor: 16 shapes of the List query, prepared lazily.
  static constexpr std::size_t kListShapes = 32;

  struct WriterConnection {
    SqliteConnection db{};
    SqliteStatement begin{};
    SqliteStatement commit{};
    SqliteStatement rollback{};
    SqliteStatement savepoint{};    // SAVEPOINT executions
    SqliteStatement rollback_to{};  // ROLLBACK TO executions
    SqliteStatement release{};      // RELEASE executions
    SqliteStatement insert{};
    SqliteStatement insert_execution{};
    SqliteStatement insert_feedback{};
  };

  struct ReadConnection {
    SqliteConnection db{};
    SqliteStatement get{};
    SqliteStatement ping{};
    SqliteStatement list_executions{};
    SqliteStatement list_feedback{};
    SqliteStatement list_feedback_samples{};
    std::array<SqliteStatement, kListShapes> list{};
  };

  // Returns a pooled read connection to the pool when destroyed.
  class ReadLease;

  SqliteDecisionStore(WriterConnection writer,
                      std::vector<std::unique_ptr<ReadConnection>> readers);

  static Status PrepareWriterStatements(WriterConnection& writer);
  static Result<std::unique_ptr<ReadConnection>> OpenReader(const SqliteOptions& options);

  // Runs `insert_rows` inside one writer transaction; rolls back when it fails.
  template <typename InsertRows>
  Status WriteTransaction(InsertRows insert_rows, std::string_view what);

  ReadLease AcquireReader();
  void ReleaseReader(ReadConnection* reader);

  std::mutex writer_mutex_;
  WriterConnection writer_;  // GUARDED_BY(writer_mutex_)

  // Owns the read connections; fixed after construction.
  const std::vector<std::unique_ptr<ReadConnection>> readers_;
  std::mutex pool_mutex_;
  std::condition_variable reader_released_;
  std::vector<ReadConnection*> idle_readers_;  // GUARDED_BY(pool_mutex_)
};

}  // namespace amaima::storage
