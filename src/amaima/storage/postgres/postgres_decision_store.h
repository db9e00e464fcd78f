#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/postgres/pg_connection.h"

namespace amaima::storage {

// DecisionStore on PostgreSQL (libpq), for several replicas sharing one database. Every write
// is one transaction (a batch is one multi-row INSERT per 500 rows), so a batch is stored
// whole or not at all; reads are single statements, each on one snapshot. Behaves as
// SqliteDecisionStore does, cursors included (EncodeDecisionCursor).
//
// @par Thread Safety
// Thread-safe (see DecisionStore): calls share the pool's connections.
class PostgresDecisionStore final : public DecisionStore {
 public:
  // Opens a pool on `options.url` (PgPool::Open) and applies pending migrations. Fails with
  // kInvalidArgument for bad options, kUnavailable if the server cannot be reached,
  // kFailedPrecondition for a schema newer than this binary.
  static Result<std::unique_ptr<PostgresDecisionStore>> Open(const PgOptions& options);

  // Uses `pool`, which is borrowed and must outlive the store, and applies pending migrations.
  static Result<std::unique_ptr<PostgresDecisionStore>> Open(PgPool& pool);

  PostgresDecisionStore(const PostgresDecisionStore&) = delete;
  PostgresDecisionStore& operator=(const PostgresDecisionStore&) = delete;
  PostgresDecisionStore(PostgresDecisionStore&&) = delete;
  PostgresDecisionStore& operator=(PostgresDecisionStore&&) = delete;
  ~PostgresDecisionStore() override;

  Status InsertBatch(std::span<const StoredDecision> batch) override;
  Result<StoredDecision> Get(std::string_view decision_id) override;
  Result<DecisionPage> List(const DecisionFilter& filter, int limit,
                            std::string_view cursor) override;
  Status InsertExecutions(std::span<const StoredExecution> batch) override;
  Result<std::vector<StoredExecution>> ListExecutions(std::string_view decision_id) override;
  Status InsertFeedback(const StoredFeedback& feedback) override;
  Result<std::vector<StoredFeedback>> ListFeedback(std::string_view decision_id) override;
  Result<FeedbackSamples> ListFeedbackSamples() override;
  Status Ping() override;

  // Returns the SQL List() runs for `filter` (its non-empty fields) with or without a cursor;
  // its parameters are the non-empty filter values, then the cursor, then the limit.
  static std::string ListSql(const DecisionFilter& filter, bool has_cursor);

 private:
  PostgresDecisionStore(std::unique_ptr<PgPool> owned, PgPool& pool)
      : owned_pool_(std::move(owned)), pool_(pool) {}

  static Result<std::unique_ptr<PostgresDecisionStore>> Migrate(std::unique_ptr<PgPool> owned,
                                                                PgPool& pool);

  const std::unique_ptr<PgPool> owned_pool_;  // Null when the pool is borrowed.
  PgPool& pool_;
};

}  // namespace amaima::storage
