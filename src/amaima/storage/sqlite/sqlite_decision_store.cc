#include "amaima/storage/sqlite/sqlite_decision_store.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "amaima/core/check.h"
#include "amaima/storage/sqlite/migrations.h"

namespace amaima::storage {
namespace {

constexpr int kMaxReadConnections = 64;

// Column order shared by the INSERT and every SELECT (see ReadRow).
constexpr std::string_view kColumns =
    "decision_id, created_at_ms, request_id, org_id, level, model, provider, query_hash, "
    "execution_mode, simulated, decision_schema_version, router_model_version, body_json, "
    "prompt_text, actor";

// List parameters have fixed numbers whatever the query shape, so binding never depends on it.
constexpr int kListOrgParam = 1;
constexpr int kListLevelParam = 2;
constexpr int kListModelParam = 3;
constexpr int kListCursorParam = 4;
constexpr int kListLimitParam = 5;
constexpr int kListActorParam = 6;

constexpr std::size_t kOrgBit = 1;
constexpr std::size_t kLevelBit = 2;
constexpr std::size_t kModelBit = 4;
constexpr std::size_t kCursorBit = 8;
constexpr std::size_t kActorBit = 16;

std::size_t ListShape(const DecisionFilter& filter, bool has_cursor) {
  return (filter.org_id.empty() ? 0 : kOrgBit) | (filter.level.empty() ? 0 : kLevelBit)
         | (filter.model.empty() ? 0 : kModelBit) | (has_cursor ? kCursorBit : 0)
         | (filter.actor.empty() ? 0 : kActorBit);
}

std::string ListSqlForShape(std::size_t shape) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM decisions";
  const char* joiner = " WHERE ";
  const auto add = [&](std::size_t bit, const char* condition) {
    if ((shape & bit) != 0) {
      sql += joiner;
      sql += condition;
      joiner = " AND ";
    }
  };
  add(kOrgBit, "org_id = ?1");
  add(kLevelBit, "level = ?2");
  add(kModelBit, "model = ?3");
  add(kCursorBit, "decision_id < ?4");
  add(kActorBit, "actor = ?6");
  sql += " ORDER BY decision_id DESC LIMIT ?5";
  return sql;
}

// Resets a statement (ending its implicit read transaction) and clears its bindings on exit.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* statement) : statement_(statement) {}

  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  StatementReset(StatementReset&&) = delete;
  StatementReset& operator=(StatementReset&&) = delete;

  ~StatementReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

// Binds `text` without copying; it must stay alive until the statement is reset.
int BindText(sqlite3_stmt* statement, int index, std::string_view text) {
  return sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), nullptr);
}

StoredDecision ReadRow(sqlite3_stmt* statement) {
  StoredDecision record;
  record.decision_id = ColumnText(statement, 0);
  record.created_at_ms = sqlite3_column_int64(statement, 1);
  record.request_id = ColumnText(statement, 2);
  record.org_id = ColumnText(statement, 3);
  record.level = ColumnText(statement, 4);
  record.model = ColumnText(statement, 5);
  record.provider = ColumnText(statement, 6);
  record.query_hash = ColumnText(statement, 7);
  record.execution_mode = ColumnText(statement, 8);
  record.simulated = sqlite3_column_int(statement, 9) != 0;
  record.decision_schema_version = ColumnText(statement, 10);
  record.router_model_version = ColumnText(statement, 11);
  record.body_json = ColumnText(statement, 12);
  if (sqlite3_column_type(statement, 13) != SQLITE_NULL) {
    record.prompt_text = ColumnText(statement, 13);
  }
  record.actor = ColumnText(statement, 14);
  return record;
}

// Runs a PRAGMA that answers one text row and returns that row.
Result<std::string> PragmaText(sqlite3* db, std::string_view sql) {
  Result<SqliteStatement> pragma = PrepareSql(db, sql);
  if (!pragma) {
    return pragma.error();
  }
  const int rc = sqlite3_step(pragma->get());
  if (rc != SQLITE_ROW) {
    return SqliteError(db, rc, sql);
  }
  return ColumnText(pragma->get(), 0);
}

Status ValidateOptions(const SqliteOptions& options) {
  if (options.path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "storage: the SQLite path is empty");
  }
  if (options.path == ":memory:") {
    return Fail(ErrorCode::kInvalidArgument,
                "storage: the SQLite path must be a plain file path (WAL needs a file)");
  }
  if (options.synchronous != "full" && options.synchronous != "normal") {
    return Fail(
        ErrorCode::kInvalidArgument,
        "storage: synchronous must be 'full' or 'normal', not '" + options.synchronous + "'");
  }
  if (options.busy_timeout.count() < 0 || options.busy_timeout.count() > INT_MAX) {
    return Fail(ErrorCode::kInvalidArgument, "storage: busy_timeout out of range");
  }
  if (options.read_connections < 1 || options.read_connections > kMaxReadConnections) {
    return Fail(ErrorCode::kInvalidArgument, "storage: read_connections must be in 1..64");
  }
  return {};
}

Status Configure(sqlite3* db, const SqliteOptions& options) {
  const int rc = sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc, "cannot set the busy timeout");
  }
  return ExecSql(db, "PRAGMA foreign_keys = ON");
}

// Inserts one row inside the writer's open transaction.
Status InsertRow(sqlite3* db, sqlite3_stmt* insert, const StoredDecision& record) {
  const StatementReset reset(insert);
  BindText(insert, 1, record.decision_id);
  sqlite3_bind_int64(insert, 2, record.created_at_ms);
  BindText(insert, 3, record.request_id);
  BindText(insert, 4, record.org_id);
  BindText(insert, 5, record.level);
  BindText(insert, 6, record.model);
  BindText(insert, 7, record.provider);
  BindText(insert, 8, record.query_hash);
  BindText(insert, 9, record.execution_mode);
  sqlite3_bind_int(insert, 10, record.simulated ? 1 : 0);
  BindText(insert, 11, record.decision_schema_version);
  BindText(insert, 12, record.router_model_version);
  BindText(insert, 13, record.body_json);
  if (record.prompt_text.has_value()) {
    BindText(insert, 14, *record.prompt_text);
  } else {
    sqlite3_bind_null(insert, 14);
  }
  BindText(insert, 15, record.actor);
  const int rc = sqlite3_step(insert);
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, "cannot insert decision " + record.decision_id);
  }
  return {};
}

constexpr std::string_view kExecutionColumns =
    "request_id, decision_id, created_at_ms, org_id, surface, model, provider, streamed, status, "
    "error_code, prompt_tokens, completion_tokens, usage_estimated, cost_usd, upstream_ms, "
    "total_ms, attempts, actor";

Status InsertExecutionRow(sqlite3* db, sqlite3_stmt* insert, const StoredExecution& record) {
  const StatementReset reset(insert);
  BindText(insert, 1, record.request_id);
  BindText(insert, 2, record.decision_id);
  sqlite3_bind_int64(insert, 3, record.created_at_ms);
  BindText(insert, 4, record.org_id);
  BindText(insert, 5, record.surface);
  BindText(insert, 6, record.model);
  BindText(insert, 7, record.provider);
  sqlite3_bind_int(insert, 8, record.streamed ? 1 : 0);
  BindText(insert, 9, record.status);
  BindText(insert, 10, record.error_code);
  sqlite3_bind_int64(insert, 11, record.prompt_tokens);
  sqlite3_bind_int64(insert, 12, record.completion_tokens);
  sqlite3_bind_int(insert, 13, record.usage_estimated ? 1 : 0);
  sqlite3_bind_double(insert, 14, record.cost_usd);
  sqlite3_bind_double(insert, 15, record.upstream_ms);
  sqlite3_bind_double(insert, 16, record.total_ms);
  sqlite3_bind_int(insert, 17, record.attempts);
  BindText(insert, 18, record.actor);
  const int rc = sqlite3_step(insert);
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, "cannot insert execution " + record.request_id);
  }
  return {};
}

StoredExecution ReadExecutionRow(sqlite3_stmt* statement) {
  StoredExecution record;
  record.request_id = ColumnText(statement, 0);
  record.decision_id = ColumnText(statement, 1);
  record.created_at_ms = sqlite3_column_int64(statement, 2);
  record.org_id = ColumnText(statement, 3);
  record.surface = ColumnText(statement, 4);
  record.model = ColumnText(statement, 5);
  record.provider = ColumnText(statement, 6);
  record.streamed = sqlite3_column_int(statement, 7) != 0;
  record.status = ColumnText(statement, 8);
  record.error_code = ColumnText(statement, 9);
  record.prompt_tokens = sqlite3_column_int64(statement, 10);
  record.completion_tokens = sqlite3_column_int64(statement, 11);
  record.usage_estimated = sqlite3_column_int(statement, 12) != 0;
  record.cost_usd = sqlite3_column_double(statement, 13);
  record.upstream_ms = sqlite3_column_double(statement, 14);
  record.total_ms = sqlite3_column_double(statement, 15);
  record.attempts = sqlite3_column_int(statement, 16);
  record.actor = ColumnText(statement, 17);
  return record;
}

constexpr std::string_view kFeedbackColumns =
    "feedback_id, decision_id, org_id, correct_level, rating, comment, created_at_ms";

Status InsertFeedbackRow(sqlite3* db, sqlite3_stmt* insert, const StoredFeedback& record) {
  const StatementReset reset(insert);
  BindText(insert, 1, record.feedback_id);
  BindText(insert, 2, record.decision_id);
  BindText(insert, 3, record.org_id);
  if (record.correct_level.has_value()) {
    BindText(insert, 4, *record.correct_level);
  } else {
    sqlite3_bind_null(insert, 4);
  }
  if (record.rating.has_value()) {
    sqlite3_bind_int(insert, 5, *record.rating);
  } else {
    sqlite3_bind_null(insert, 5);
  }
  if (record.comment.has_value()) {
    BindText(insert, 6, *record.comment);
  } else {
    sqlite3_bind_null(insert, 6);
  }
  sqlite3_bind_int64(insert, 7, record.created_at_ms);
  const int rc = sqlite3_step(insert);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Fail(ErrorCode::kNotFound, "decision " + record.decision_id + " not found");
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, "cannot insert feedback " + record.feedback_id);
  }
  return {};
}

StoredFeedback ReadFeedbackRow(sqlite3_stmt* statement) {
  StoredFeedback record;
  record.feedback_id = ColumnText(statement, 0);
  record.decision_id = ColumnText(statement, 1);
  record.org_id = ColumnText(statement, 2);
  if (sqlite3_column_type(statement, 3) != SQLITE_NULL) {
    record.correct_level = ColumnText(statement, 3);
  }
  if (sqlite3_column_type(statement, 4) != SQLITE_NULL) {
    record.rating = sqlite3_column_int(statement, 4);
  }
  if (sqlite3_column_type(statement, 5) != SQLITE_NULL) {
    record.comment = ColumnText(statement, 5);
  }
  record.created_at_ms = sqlite3_column_int64(statement, 6);
  return record;
}

// Every feedback row with a level, with its decision's prompt (NULL when not stored) and the
// classifier's level read from the decision's JSON (SQLite's built-in JSON functions; a body
// that is not JSON gives '').
constexpr std::string_view kListFeedbackSamplesSql =
    "SELECT f.feedback_id, f.decision_id, d.prompt_text, f.correct_level, "
    "CASE WHEN json_valid(d.body_json) "
    "THEN COALESCE(json_extract(d.body_json, '$.complexity.level'), '') ELSE '' END, "
    "f.created_at_ms "
    "FROM feedback AS f JOIN decisions AS d ON d.decision_id = f.decision_id "
    "WHERE f.correct_level IS NOT NULL ORDER BY f.feedback_id";

}  // namespace

Status SqliteDecisionStore::PrepareWriterStatements(WriterConnection& writer) {
  sqlite3* db = writer.db.get();
  Result<SqliteStatement> begin = PrepareSql(db, "BEGIN IMMEDIATE");
  if (!begin) {
    return begin.error();
  }
  Result<SqliteStatement> commit = PrepareSql(db, "COMMIT");
  if (!commit) {
    return commit.error();
  }
  Result<SqliteStatement> rollback = PrepareSql(db, "ROLLBACK");
  if (!rollback) {
    return rollback.error();
  }
  if (Status prepared = PrepareEach(db, {{&writer.savepoint, "SAVEPOINT executions"},
                                         {&writer.rollback_to, "ROLLBACK TO executions"},
                                         {&writer.release, "RELEASE executions"}});
      !prepared) {
    return prepared;
  }
  Result<SqliteStatement> insert = PrepareSql(
      db, "INSERT INTO decisions (" + std::string(kColumns)
              + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  if (!insert) {
    return insert.error();
  }
  Result<SqliteStatement> insert_execution =
      PrepareSql(db, "INSERT INTO executions (" + std::string(kExecutionColumns)
                         + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                           "?15, ?16, ?17, ?18)");
  if (!insert_execution) {
    return insert_execution.error();
  }
  Result<SqliteStatement> insert_feedback =
      PrepareSql(db, "INSERT INTO feedback (" + std::string(kFeedbackColumns)
                         + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert_feedback) {
    return insert_feedback.error();
  }
  writer.insert_feedback = std::move(*insert_feedback);
  writer.insert_execution = std::move(*insert_execution);
  writer.begin = std::move(*begin);
  writer.commit = std::move(*commit);
  writer.rollback = std::move(*rollback);
  writer.insert = std::move(*insert);
  return {};
}

Result<std::unique_ptr<SqliteDecisionStore::ReadConnection>> SqliteDecisionStore::OpenReader(
    const SqliteOptions& options) {
  Result<SqliteConnection> reader_db = OpenSqliteConnection(options.path, SQLITE_OPEN_READWRITE);
  if (!reader_db) {
    return reader_db.error();
  }
  auto reader = std::make_unique<ReadConnection>();
  reader->db = std::move(*reader_db);
  sqlite3* db = reader->db.get();
  Status configured = Configure(db, options);
  if (!configured) {
    return configured.error();
  }
  // Reads only: a bug that writes through a reader fails instead of bypassing the writer.
  Status query_only = ExecSql(db, "PRAGMA query_only = ON");
  if (!query_only) {
    return query_only.error();
  }
  Result<SqliteStatement> get =
      PrepareSql(db, "SELECT " + std::string(kColumns) + " FROM decisions WHERE decision_id = ?1");
  if (!get) {
    return get.error();
  }
  Result<SqliteStatement> ping = PrepareSql(db, "SELECT 1 FROM decisions LIMIT 1");
  if (!ping) {
    return ping.error();
  }
  Result<SqliteStatement> list_executions =
      PrepareSql(db, "SELECT " + std::string(kExecutionColumns)
                         + " FROM executions WHERE decision_id = ?1 ORDER BY created_at_ms, "
                           "request_id");
  if (!list_executions) {
    return list_executions.error();
  }
  Result<SqliteStatement> list_feedback =
      PrepareSql(db, "SELECT " + std::string(kFeedbackColumns)
                         + " FROM feedback WHERE decision_id = ?1 ORDER BY feedback_id");
  if (!list_feedback) {
    return list_feedback.error();
  }
  Result<SqliteStatement> list_feedback_samples = PrepareSql(db, kListFeedbackSamplesSql);
  if (!list_feedback_samples) {
    return list_feedback_samples.error();
  }
  reader->list_feedback = std::move(*list_feedback);
  reader->list_feedback_samples = std::move(*list_feedback_samples);
  reader->get = std::move(*get);
  reader->ping = std::move(*ping);
  reader->list_executions = std::move(*list_executions);
  return reader;
}

class SqliteDecisionStore::ReadLease {
 public:
  ReadLease(SqliteDecisionStore& store, ReadConnection& reader)
      : store_(&store), reader_(&reader) {}

  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;

  ReadLease(ReadLease&& other) noexcept
      : store_(std::exchange(other.store_, nullptr)), reader_(other.reader_) {}

  ReadLease& operator=(ReadLease&&) = delete;

  ~ReadLease() {
    if (store_ != nullptr) {
      store_->ReleaseReader(reader_);
    }
  }

  ReadConnection& operator*() const { return *reader_; }

  ReadConnection* operator->() const { return reader_; }

 private:
  SqliteDecisionStore* store_;
  ReadConnection* reader_;
};

Result<std::unique_ptr<SqliteDecisionStore>> SqliteDecisionStore::Open(
    const SqliteOptions& options) {
  Status valid = ValidateOptions(options);
  if (!valid) {
    return valid.error();
  }
  // Each connection is used by one thread at a time, which multi-thread mode allows.
  if (sqlite3_threadsafe() == 0) {
    return Fail(ErrorCode::kFailedPrecondition, "storage: SQLite was built without threads");
  }

  Result<SqliteConnection> writer_db =
      OpenSqliteConnection(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!writer_db) {
    return writer_db.error();
  }
  sqlite3* db = writer_db->get();
  Status configured = Configure(db, options);
  if (!configured) {
    return configured.error();
  }
  Result<std::string> journal_mode = PragmaText(db, "PRAGMA journal_mode = WAL");
  if (!journal_mode) {
    return journal_mode.error();
  }
  if (*journal_mode != "wal") {
    return Fail(ErrorCode::kFailedPrecondition, "storage: cannot switch '" + options.path
                                                    + "' to WAL (journal_mode is " + *journal_mode
                                                    + ")");
  }
  const std::string synchronous =
      options.synchronous == "full" ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  Status synced = ExecSql(db, synchronous.c_str());
  if (!synced) {
    return synced.error();
  }
  Status migrated = ApplySqliteMigrations(db, SqliteMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: '" + options.path + "': " + error.message;
    return error;
  }

  WriterConnection writer;
  writer.db = std::move(*writer_db);
  Status prepared = PrepareWriterStatements(writer);
  if (!prepared) {
    return prepared.error();
  }

  std::vector<std::unique_ptr<ReadConnection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    Result<std::unique_ptr<ReadConnection>> reader = OpenReader(options);
    if (!reader) {
      return reader.error();
    }
    readers.push_back(std::move(*reader));
  }
  return std::unique_ptr<SqliteDecisionStore>(
      new SqliteDecisionStore(std::move(writer), std::move(readers)));
}

SqliteDecisionStore::SqliteDecisionStore(WriterConnection writer,
                                         std::vector<std::unique_ptr<ReadConnection>> readers)
    : writer_(std::move(writer)), readers_(std::move(readers)) {
  for (const auto& reader : readers_) {
    idle_readers_.push_back(reader.get());
  }
}

// Statements are finalized before their connections close (member order in the structs).
SqliteDecisionStore::~SqliteDecisionStore() = default;

SqliteDecisionStore::ReadLease SqliteDecisionStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(pool_mutex_);
  reader_released_.wait(lock, [this] { return !idle_readers_.empty(); });
  ReadConnection* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return {*this, *reader};
}

void SqliteDecisionStore::ReleaseReader(ReadConnection* reader) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    idle_readers_.push_back(reader);
  }
  reader_released_.notify_one();
}

template <typename InsertRows>
Status SqliteDecisionStore::WriteTransaction(InsertRows insert_rows, std::string_view what) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  sqlite3* db = writer_.db.get();
  Status begun = StepDoneAndReset(db, writer_.begin.get(), "cannot begin a transaction");
  if (!begun) {
    return begun;
  }
  Status inserted = insert_rows(db);
  if (inserted) {
    inserted = StepDoneAndReset(db, writer_.commit.get(), "cannot commit " + std::string(what));
  }
  if (!inserted && sqlite3_get_autocommit(db) == 0) {
    // Still inside the transaction: undo the rows already inserted. The insert error is the one
    // to report; a failing rollback leaves the connection to SQLite's own recovery.
    (void)StepDoneAndReset(db, writer_.rollback.get(), "cannot roll back");
  }
  return inserted;
}

Status SqliteDecisionStore::InsertBatch(std::span<const StoredDecision> batch) {
  if (batch.empty()) {
    return {};
  }
  sqlite3_stmt* insert = writer_.insert.get();
  auto rows = [batch, insert](sqlite3* db) {
    for (const StoredDecision& record : batch) {
      Status inserted = InsertRow(db, insert, record);
      if (!inserted) {
        return inserted;
      }
    }
    return Status{};
  };
  return WriteTransaction(rows, "decisions");
}

Status SqliteDecisionStore::InsertExecutions(std::span<const StoredExecution> batch) {
  if (batch.empty()) {
    return {};
  }
  sqlite3_stmt* insert = writer_.insert_execution.get();
  auto rows = [batch, insert](sqlite3* db) {
    for (const StoredExecution& record : batch) {
      Status inserted = InsertExecutionRow(db, insert, record);
      if (!inserted) {
        return inserted;
      }
    }
    return Status{};
  };
  return WriteTransaction(rows, "executions");
}

DecisionStore::BatchOutcome SqliteDecisionStore::InsertDecisionsAndExecutions(
    std::span<const StoredDecision> decisions, std::span<const StoredExecution> executions) {
  if (decisions.empty() || executions.empty()) {
    return DecisionStore::InsertDecisionsAndExecutions(decisions, executions);
  }
  BatchOutcome outcome;
  {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    sqlite3* db = writer_.db.get();
    const auto roll_back = [&] {
      if (sqlite3_get_autocommit(db) == 0) {
        (void)StepDoneAndReset(db, writer_.rollback.get(), "cannot roll back");
      }
    };
    Status begun = StepDoneAndReset(db, writer_.begin.get(), "cannot begin a transaction");
    if (!begun) {
      outcome.decisions = begun;
      outcome.executions = begun;
      return outcome;
    }
    for (const StoredDecision& record : decisions) {
      outcome.decisions = InsertRow(db, writer_.insert.get(), record);
      if (!outcome.decisions) {
        break;
      }
    }
    if (!outcome.decisions) {
      roll_back();  // The executions get a transaction of their own below.
    } else {
      outcome.executions = StepDoneAndReset(db, writer_.savepoint.get(), "cannot open a savepoint");
      for (const StoredExecution& record : executions) {
        if (!outcome.executions) {
          break;
        }
        outcome.executions = InsertExecutionRow(db, writer_.insert_execution.get(), record);
      }
      if (!outcome.executions && sqlite3_get_autocommit(db) == 0) {
        // Undo the executions only; a failed undo fails the decisions too.
        Status undone =
            StepDoneAndReset(db, writer_.rollback_to.get(), "cannot roll back the executions");
        if (!undone) {
          outcome.decisions = undone;
        }
      }
      if (outcome.decisions) {
        Status released = StepDoneAndReset(db, writer_.release.get(), "cannot release a savepoint");
        if (released) {
          released = StepDoneAndReset(db, writer_.commit.get(), "cannot commit decisions");
        }
        if (!released) {
          outcome.decisions = released;
          outcome.executions = outcome.executions ? released : outcome.executions;
        }
      }
      if (!outcome.decisions) {
        roll_back();
      }
      return outcome;
    }
  }
  outcome.executions = InsertExecutions(executions);
  return outcome;
}

Result<std::vector<StoredExecution>> SqliteDecisionStore::ListExecutions(
    std::string_view decision_id) {
  const ReadLease reader = AcquireReader();
  sqlite3_stmt* list = reader->list_executions.get();
  const StatementReset reset(list);
  BindText(list, 1, decision_id);
  std::vector<StoredExecution> executions;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
    executions.push_back(ReadExecutionRow(list));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(reader->db.get(), rc, "cannot list executions");
  }
  return executions;
}

Status SqliteDecisionStore::InsertFeedback(const StoredFeedback& feedback) {
  Status valid = ValidateFeedback(feedback);
  if (!valid) {
    return valid;
  }
  sqlite3_stmt* insert = writer_.insert_feedback.get();
  auto row = [&feedback, insert](sqlite3* db) {
    return InsertFeedbackRow(db, insert, feedback);
  };
  return WriteTransaction(row, "feedback");
}

Result<std::vector<StoredFeedback>> SqliteDecisionStore::ListFeedback(
    std::string_view decision_id) {
  const ReadLease reader = AcquireReader();
  sqlite3_stmt* list = reader->list_feedback.get();
  const StatementReset reset(list);
  BindText(list, 1, decision_id);
  std::vector<StoredFeedback> feedback;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
    feedback.push_back(ReadFeedbackRow(list));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(reader->db.get(), rc, "cannot list feedback");
  }
  return feedback;
}

Result<FeedbackSamples> SqliteDecisionStore::ListFeedbackSamples() {
  const ReadLease reader = AcquireReader();
  sqlite3_stmt* list = reader->list_feedback_samples.get();
  const StatementReset reset(list);
  // One statement, so the samples and the skipped count come from one snapshot.
  FeedbackSamples out;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
    if (sqlite3_column_type(list, 2) == SQLITE_NULL) {
      ++out.skipped_without_text;
      continue;
    }
    FeedbackSample sample;
    sample.feedback_id = ColumnText(list, 0);
    sample.decision_id = ColumnText(list, 1);
    sample.text = ColumnText(list, 2);
    sample.correct_level = ColumnText(list, 3);
    sample.classified_level = ColumnText(list, 4);
    sample.created_at_ms = sqlite3_column_int64(list, 5);
    out.samples.push_back(std::move(sample));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(reader->db.get(), rc, "cannot list feedback samples");
  }
  return out;
}

Result<StoredDecision> SqliteDecisionStore::Get(std::string_view decision_id) {
  const ReadLease reader = AcquireReader();
  sqlite3_stmt* get = reader->get.get();
  const StatementReset reset(get);
  BindText(get, 1, decision_id);
  const int rc = sqlite3_step(get);
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "decision " + std::string(decision_id) + " not found");
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(reader->db.get(), rc, "cannot read decision");
  }
  return ReadRow(get);
}

std::string SqliteDecisionStore::ListSql(const DecisionFilter& filter, bool has_cursor) {
  return ListSqlForShape(ListShape(filter, has_cursor));
}

Result<DecisionPage> SqliteDecisionStore::List(const DecisionFilter& filter, int limit,
                                               std::string_view cursor) {
  std::string after;
  if (!cursor.empty()) {
    Result<std::string> decoded = DecodeDecisionCursor(cursor);
    if (!decoded) {
      return decoded.error();
    }
    after = std::move(*decoded);
  }
  limit = std::clamp(limit, 1, kMaxDecisionListLimit);

  const ReadLease reader = AcquireReader();
  const std::size_t shape = ListShape(filter, !cursor.empty());
  SqliteStatement& cached = reader->list[shape];
  if (cached == nullptr) {
    Result<SqliteStatement> prepared = PrepareSql(reader->db.get(), ListSqlForShape(shape));
    if (!prepared) {
      return prepared.error();
    }
    cached = std::move(*prepared);
  }
  sqlite3_stmt* list = cached.get();
  const StatementReset reset(list);
  BindText(list, kListOrgParam, filter.org_id);
  BindText(list, kListLevelParam, filter.level);
  BindText(list, kListModelParam, filter.model);
  BindText(list, kListCursorParam, after);
  BindText(list, kListActorParam, filter.actor);
  // One row more than asked tells whether another page exists.
  sqlite3_bind_int(list, kListLimitParam, limit + 1);

  DecisionPage page;
  page.items.reserve(static_cast<std::size_t>(std::min(limit, 64)));
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = EncodeDecisionCursor(page.items.back().decision_id);
      break;
    }
    page.items.push_back(ReadRow(list));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteError(reader->db.get(), rc, "cannot list decisions");
  }
  return page;
}

Status SqliteDecisionStore::Ping() {
  const ReadLease reader = AcquireReader();
  sqlite3_stmt* ping = reader->ping.get();
  const StatementReset reset(ping);
  const int rc = sqlite3_step(ping);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteError(reader->db.get(), rc, "storage ping failed");
  }
  return {};
}

}  // namespace amaima::storage
