#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "amaima/core/result.h"

namespace amaima::storage {

// libpq plumbing shared by the PostgreSQL stores and migrations: a pool of connections,
// parameterised statements (PQexecParams only: values never enter the SQL text), RAII results
// and transactions, and the mapping of SQLSTATEs onto ErrorCode.

struct PgOptions {
  // "postgres://user:password@host:port/db?sslmode=require" (or postgresql://), or a libpq
  // key/value string "host=... port=... dbname=... user=...". Never shown: messages name the
  // server with DescribePgUrl(), which leaves the password out.
  std::string url{};
  int pool_size{4};  // Connections at most, 1..64. One is opened by Open(), the rest on demand.
  // How long Acquire() waits for a connection when all pool_size are in use.
  std::chrono::milliseconds acquire_timeout{30000};
  // Tries of one transaction that meets a serialization failure or a deadlock (or loses its
  // connection before COMMIT), 1..10.
  int max_attempts{4};
};

// The SQLSTATEs the stores act on (PostgreSQL appendix A).
inline constexpr std::string_view kPgUniqueViolation = "23505";
inline constexpr std::string_view kPgForeignKeyViolation = "23503";
inline constexpr std::string_view kPgSerializationFailure = "40001";
inline constexpr std::string_view kPgDeadlockDetected = "40P01";

// The ErrorCode of SQLSTATE `sqlstate`: unique violations kAlreadyExists; other integrity
// violations (foreign key, check, not null) and data exceptions (class 22) kInvalidArgument;
// connection exceptions (class 08), shutdowns, exhausted resources, lock timeouts and
// serialization failures or deadlocks (once retries are spent) kUnavailable; a cancelled
// statement kDeadlineExceeded; anything else kInternal. Stores that give a foreign key its
// meaning (InsertFeedback: kNotFound) translate it themselves.
ErrorCode PgErrorCode(std::string_view sqlstate);

// True for the SQLSTATEs after which the whole transaction may simply run again.
bool IsRetryablePgError(std::string_view sqlstate);

// Names the server `url` points at for messages, without the password:
// "postgres://amaima@127.0.0.1:5432/amaima". "postgres://(malformed URL)" if libpq cannot parse it.
std::string DescribePgUrl(std::string_view url);

// The parameters of one statement: $1, $2, ... in the order added. Sent in text format with
// their types, so the SQL needs no casts.
class PgParams {
 public:
  PgParams& Text(std::string_view value);
  PgParams& NullableText(const std::optional<std::string>& value);
  PgParams& Int64(std::int64_t value);
  PgParams& NullableInt64(const std::optional<std::int64_t>& value);
  PgParams& Int32(int value);
  PgParams& NullableInt32(const std::optional<int>& value);
  PgParams& Double(double value);
  PgParams& Bool(bool value);

  int size() const { return static_cast<int>(values_.size()); }

  // True when a text value contains a NUL byte, which PostgreSQL text cannot hold.
  bool has_nul() const { return has_nul_; }

 private:
  friend class PgConnection;

  PgParams& Add(std::optional<std::string> value, Oid type);

  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  bool has_nul_{false};
};

// Owns one PGresult (PQclear on destruction). Rows and columns count from 0.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}

  int rows() const { return PQntuples(result_.get()); }

  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected_rows() const;

  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

  // The value as text ("" for NULL); valid while this result lives.
  std::string_view View(int row, int column) const;

  std::string Text(int row, int column) const { return std::string(View(row, column)); }

  std::optional<std::string> NullableText(int row, int column) const;
  // Numeric columns. NULL or text that is not a number reads as 0.
  std::int64_t Int64(int row, int column) const;
  std::optional<std::int64_t> NullableInt64(int row, int column) const;
  double Double(int row, int column) const;

  bool Bool(int row, int column) const { return View(row, column) == "t"; }

  // The command tag ("INSERT 0 3", "COMMIT", "ROLLBACK").
  std::string_view command_status() const { return PQcmdStatus(result_.get()); }

  // The libpq result; null when libpq could not allocate one.
  const PGresult* get() const { return result_.get(); }

 private:
  struct Clear {
    void operator()(PGresult* result) const { PQclear(result); }
  };

  std::unique_ptr<PGresult, Clear> result_;
};

// One libpq connection. Not thread-safe: one thread uses it at a time (PgPool hands it out).
class PgConnection {
 public:
  // Connects to `url` (see PgOptions::url) with client_encoding UTF8. kInvalidArgument for a
  // malformed URL, kUnavailable when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  PgConnection(PgConnection&&) = delete;
  PgConnection& operator=(PgConnection&&) = delete;
  ~PgConnection();

  // Runs one statement with PQexecParams. Fails (see PgErrorCode) with the server's message
  // prefixed by `sql`'s first words; kInvalidArgument, without sending, if a text parameter
  // contains a NUL byte.
  Result<PgResult> Exec(const std::string& sql, const PgParams& params = {});

  // The SQLSTATE of the last failed Exec(); "" after a success or a failure without one (a
  // lost connection).
  std::string_view last_sqlstate() const { return last_sqlstate_; }

  // True once libpq knows the connection is gone (PQstatus != CONNECTION_OK).
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

  // True while a transaction is open or its state is unknown.
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

  // Reconnects with the same parameters (PQreset). kUnavailable if that fails.
  Status Reset();

  // The server-side process id (pg_backend_pid()), for tests.
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  PgConnection(PGconn* conn, std::string password) : conn_(conn), password_(std::move(password)) {}

  // Returns `message` without the password, for errors that quote connection parameters.
  std::string Scrub(std::string message) const;

  PGconn* conn_;
  std::string password_;  // Only to scrub it out of libpq's messages.
  std::string last_sqlstate_;
};

// An open transaction on a connection; rolls back when destroyed unless Commit() succeeded.
// A failed rollback adds nothing to the error being returned already: the connection is then
// broken or reset by the pool.
class PgTransaction {
 public:
  // Sends `begin` ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ...).
  static Result<PgTransaction> Begin(PgConnection& connection, const std::string& begin);

  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  PgTransaction(PgTransaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}

  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();

  // Commits. A transaction that the server had already aborted reports kInternal.
  Status Commit();

 private:
  explicit PgTransaction(PgConnection& connection) : connection_(&connection) {}

  PgConnection* connection_;
};

// A thread-safe pool of connections to one database.
//
// Statements run through Run() (one statement, autocommit: reads) or Transact() (BEGIN ...
// COMMIT: every write), which retry what is safe to retry: a transaction that meets a
// serialization failure or deadlock, or that loses its connection before COMMIT, runs again
// (up to max_attempts tries) on a reconnected connection; a read retries on a lost connection.
// A connection that libpq reports broken is reset when next acquired, and dropped if that fails.
//
// @par Thread Safety
// Thread-safe. Each connection is used by one thread at a time.
class PgPool {
 public:
  // Validates `options` (kInvalidArgument), then opens the first connection (kUnavailable if
  // the server cannot be reached).
  static Result<std::unique_ptr<PgPool>> Open(const PgOptions& options);

  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;
  PgPool(PgPool&&) = delete;
  PgPool& operator=(PgPool&&) = delete;
  ~PgPool();

  // A connection borrowed from the pool, given back when the lease is destroyed.
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}

    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    PgConnection& operator*() const { return *connection_; }

    PgConnection* operator->() const { return connection_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // Borrows an idle connection, opens a new one while fewer than pool_size exist, or waits up
  // to acquire_timeout for one (then kUnavailable). A broken idle connection is reset first.
  Result<Lease> Acquire();

  // Runs `body(PgConnection&) -> Result<T>` on a pooled connection outside a transaction, and
  // runs it again on a reconnected connection if the connection was lost. For reads (or one
  // idempotent statement).
  template <typename Body>
  std::invoke_result_t<Body&, PgConnection&> Run(Body&& body);

  // Runs `body(PgConnection&) -> Result<T>` between `begin` and COMMIT; rolls back when it
  // fails. Runs it again, from BEGIN, after a serialization failure or deadlock, or after the
  // connection was lost before COMMIT; `body` must therefore start from its arguments each
  // time. A connection lost during COMMIT is not retried (the outcome is unknown):
  // kUnavailable. Retryable failures that outlast max_attempts give kUnavailable.
  template <typename Body>
  std::invoke_result_t<Body&, PgConnection&> Transact(const std::string& begin, Body&& body);

  // The server and database, without the password (DescribePgUrl).
  const std::string& description() const { return description_; }

  const PgOptions& options() const { return options_; }

 private:
  PgPool(PgOptions options, std::string description, std::unique_ptr<PgConnection> first);

  void Release(std::unique_ptr<PgConnection> connection);

  // True if a failure met on `connection` in try `attempt` may be retried.
  bool ShouldRetry(const PgConnection& connection, int attempt, bool during_commit) const;

  const PgOptions options_;
  const std::string description_;

  std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(mutex_)
  int open_{0};  // GUARDED_BY(mutex_): connections in existence, idle or leased.
};

template <typename Body>
std::invoke_result_t<Body&, PgConnection&> PgPool::Run(Body&& body) {
  for (int attempt = 1;; ++attempt) {
    Result<Lease> lease = Acquire();
    if (!lease) {
      return lease.error();
    }
    auto result = body(**lease);
    if (result || !ShouldRetry(**lease, attempt, /*during_commit=*/false)) {
      return result;
    }
  }
}

template <typename Body>
std::invoke_result_t<Body&, PgConnection&> PgPool::Transact(const std::string& begin, Body&& body) {
  for (int attempt = 1;; ++attempt) {
    Result<Lease> lease = Acquire();
    if (!lease) {
      return lease.error();
    }
    PgConnection& connection = **lease;
    Result<PgTransaction> transaction = PgTransaction::Begin(connection, begin);
    if (!transaction) {
      if (ShouldRetry(connection, attempt, /*during_commit=*/false)) {
        continue;
      }
      return transaction.error();
    }
    auto result = body(connection);
    if (!result) {
      if (ShouldRetry(connection, attempt, /*during_commit=*/false)) {
        continue;  // The transaction rolls back as it goes out of scope.
      }
      return result;
    }
    Status committed = transaction->Commit();
    if (!committed) {
      if (ShouldRetry(connection, attempt, /*during_commit=*/true)) {
        continue;
      }
      return committed.error();
    }
    return result;
  }
}

}  // namespace amaima::storage
