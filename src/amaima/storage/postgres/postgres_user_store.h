#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/storage/postgres/pg_connection.h"
#include "amaima/storage/user_store.h"

namespace amaima::storage {

// UserStore on PostgreSQL (libpq), in the same database and schema as the other PostgreSQL
// stores (tables `users` and `refresh_tokens`). Behaves as SqliteUserStore does.
//
// Several replicas may refresh, revoke and disable at once. Every change to a user's refresh
// tokens (RotateRefreshToken, RevokeRefreshFamily, DisableUser, InsertRefreshToken) first locks
// the user's row, then the token rows, so they serialise per user as SQLite's single writer
// does: a rotation locks the presented token with SELECT ... FOR UPDATE, so of concurrent
// refreshes of one token exactly one succeeds and the others find it rotated (a replay, which
// revokes the family); and a revocation or disable sees every token a rotation that finished
// before it inserted (READ COMMITTED takes a new snapshot per statement, after the lock).
//
// @par Thread Safety
// Thread-safe: calls share the pool's connections.
class PostgresUserStore final : public UserStore {
 public:
  // Opens a pool on `options.url` and applies pending migrations (see PostgresDecisionStore).
  static Result<std::unique_ptr<PostgresUserStore>> Open(const PgOptions& options);

  // Uses `pool`, which is borrowed and must outlive the store, and applies pending migrations.
  static Result<std::unique_ptr<PostgresUserStore>> Open(PgPool& pool);

  PostgresUserStore(const PostgresUserStore&) = delete;
  PostgresUserStore& operator=(const PostgresUserStore&) = delete;
  PostgresUserStore(PostgresUserStore&&) = delete;
  PostgresUserStore& operator=(PostgresUserStore&&) = delete;
  ~PostgresUserStore() override;

  Status InsertUser(const StoredUser& user) override;
  Result<StoredUser> GetUser(std::string_view user_id) override;
  Result<StoredUser> FindUserByEmail(std::string_view email) override;
  Result<std::vector<StoredUser>> ListUsers(std::string_view org_id) override;
  Status SetPasswordHash(std::string_view user_id, std::string_view password_hash) override;
  Status DisableUser(std::string_view user_id, std::int64_t at_ms) override;
  Status InsertRefreshToken(const StoredRefreshToken& token) override;
  Result<StoredRefreshToken> GetRefreshToken(std::string_view token_id) override;
  Result<StoredRefreshToken> RotateRefreshToken(std::string_view token_id,
                                                const StoredRefreshToken& next,
                                                std::int64_t now_ms) override;
  Result<std::int64_t> RevokeRefreshFamily(std::string_view family_id, std::int64_t at_ms) override;

 private:
  PostgresUserStore(std::unique_ptr<PgPool> owned, PgPool& pool)
      : owned_pool_(std::move(owned)), pool_(pool) {}

  static Result<std::unique_ptr<PostgresUserStore>> Migrate(std::unique_ptr<PgPool> owned,
                                                            PgPool& pool);

  // The user `where` ($1 = `argument`) selects; kNotFound when none.
  Result<StoredUser> QueryUser(std::string_view where, std::string_view argument);

  const std::unique_ptr<PgPool> owned_pool_;  // Null when the pool is borrowed.
  PgPool& pool_;
};

}  // namespace amaima::storage
