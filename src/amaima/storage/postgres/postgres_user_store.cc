#include "amaima/storage/postgres/postgres_user_store.h"

#include <utility>

#include "amaima/storage/postgres/pg_migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kUserColumns =
    "user_id, org_id, email, role, password_hash, created_at_ms, disabled_at_ms";
constexpr std::string_view kTokenColumns =
    "token_id, family_id, user_id, issued_at_ms, expires_at_ms, rotated_at_ms, revoked_at_ms";

constexpr std::string_view kTokenInvalidReason = "AUTH_REFRESH_TOKEN_INVALID";

StoredUser ReadUser(const PgResult& result, int row) {
  StoredUser user;
  user.user_id = result.Text(row, 0);
  user.org_id = result.Text(row, 1);
  user.email = result.Text(row, 2);
  user.role = ParseRole(result.View(row, 3)).value_or(Role::kViewer);
  user.password_hash = result.Text(row, 4);
  user.created_at_ms = result.Int64(row, 5);
  user.disabled_at_ms = result.NullableInt64(row, 6);
  return user;
}

StoredRefreshToken ReadToken(const PgResult& result, int row) {
  StoredRefreshToken token;
  token.token_id = result.Text(row, 0);
  token.family_id = result.Text(row, 1);
  token.user_id = result.Text(row, 2);
  token.issued_at_ms = result.Int64(row, 3);
  token.expires_at_ms = result.Int64(row, 4);
  token.rotated_at_ms = result.NullableInt64(row, 5);
  token.revoked_at_ms = result.NullableInt64(row, 6);
  return token;
}

Error UnknownToken() {
  return Fail(ErrorCode::kNotFound, std::string(kTokenInvalidReason), "unknown refresh token");
}

// Inserts `token` in the caller's transaction: kAlreadyExists for a duplicate id, kNotFound
// for an unknown user.
Status InsertToken(PgConnection& connection, const StoredRefreshToken& token) {
  PgParams params;
  params.Text(token.token_id)
      .Text(token.family_id)
      .Text(token.user_id)
      .Int64(token.issued_at_ms)
      .Int64(token.expires_at_ms)
      .NullableInt64(token.rotated_at_ms)
      .NullableInt64(token.revoked_at_ms);
  Result<PgResult> inserted =
      connection.Exec("INSERT INTO refresh_tokens (" + std::string(kTokenColumns)
                          + ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      params);
  if (!inserted) {
    if (connection.last_sqlstate() == kPgForeignKeyViolation) {
      return Fail(ErrorCode::kNotFound, "cannot insert refresh token: no such user");
    }
    return inserted.error();
  }
  return {};
}

// Revokes the live tokens of `family_id` in the caller's transaction, which holds the lock of
// the family's user; returns how many.
Result<std::int64_t> RevokeFamily(PgConnection& connection, std::string_view family_id,
                                  std::int64_t at_ms) {
  Result<PgResult> revoked = connection.Exec(
      "UPDATE refresh_tokens SET revoked_at_ms = $2 WHERE family_id = $1 AND revoked_at_ms IS NULL",
      PgParams().Text(family_id).Int64(at_ms));
  if (!revoked) {
    return revoked.error();
  }
  return revoked->affected_rows();
}

// Rotates `token_id` in the caller's transaction. Returns the token as it was, or nullopt when
// it had been rotated before: then its family is revoked, and the caller commits that and
// reports the replay.
Result<std::optional<StoredRefreshToken>> RotateInTransaction(PgConnection& connection,
                                                              std::string_view token_id,
                                                              const StoredRefreshToken& next,
                                                              std::int64_t now_ms) {
  // The user's lock first (the order every token change takes), then the token's: a
  // concurrent rotation of the same token waits here and, once this one commits, reads the
  // token rotated.
  Result<PgResult> user = connection.Exec(
      "SELECT 1 FROM users WHERE user_id = "
      "(SELECT user_id FROM refresh_tokens WHERE token_id = $1) FOR NO KEY UPDATE",
      PgParams().Text(token_id));
  if (!user) {
    return user.error();
  }
  Result<PgResult> read =
      connection.Exec("SELECT " + std::string(kTokenColumns)
                          + " FROM refresh_tokens WHERE token_id = $1 FOR UPDATE",
                      PgParams().Text(token_id));
  if (!read) {
    return read.error();
  }
  if (read->rows() == 0) {
    return UnknownToken();
  }
  StoredRefreshToken current = ReadToken(*read, 0);
  if (current.rotated_at_ms.has_value() && !current.revoked_at_ms.has_value()) {
    // A replay: whoever holds the family's newest token may be the thief. End the family.
    Result<std::int64_t> revoked = RevokeFamily(connection, current.family_id, now_ms);
    if (!revoked) {
      return revoked.error();
    }
    return std::optional<StoredRefreshToken>();
  }
  if (current.revoked_at_ms.has_value() || current.expires_at_ms <= now_ms) {
    return Fail(ErrorCode::kUnauthenticated, std::string(kTokenInvalidReason),
                "the refresh token is revoked or expired");
  }
  Result<PgResult> rotated =
      connection.Exec("UPDATE refresh_tokens SET rotated_at_ms = $2 WHERE token_id = $1",
                      PgParams().Text(token_id).Int64(now_ms));
  if (!rotated) {
    return rotated.error();
  }
  Status inserted = InsertToken(connection, next);
  if (!inserted) {
    return inserted.error();
  }
  return std::optional<StoredRefreshToken>(std::move(current));
}

}  // namespace

Result<std::unique_ptr<PostgresUserStore>> PostgresUserStore::Open(const PgOptions& options) {
  Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
  if (!pool) {
    return pool.error();
  }
  PgPool& borrowed = **pool;
  return Migrate(std::move(*pool), borrowed);
}

Result<std::unique_ptr<PostgresUserStore>> PostgresUserStore::Open(PgPool& pool) {
  return Migrate(nullptr, pool);
}

Result<std::unique_ptr<PostgresUserStore>> PostgresUserStore::Migrate(std::unique_ptr<PgPool> owned,
                                                                      PgPool& pool) {
  Status migrated = ApplyPgMigrations(pool, PgMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: " + pool.description() + ": " + error.message;
    return error;
  }
  return std::unique_ptr<PostgresUserStore>(new PostgresUserStore(std::move(owned), pool));
}

PostgresUserStore::~PostgresUserStore() = default;

Status PostgresUserStore::InsertUser(const StoredUser& user) {
  PgParams params;
  params.Text(user.user_id)
      .Text(user.org_id)
      .Text(user.email)
      .Text(RoleName(user.role))
      .Text(user.password_hash)
      .Int64(user.created_at_ms)
      .NullableInt64(user.disabled_at_ms);
  const std::string sql =
      "INSERT INTO users (" + std::string(kUserColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Status {
    Result<PgResult> inserted = connection.Exec(sql, params);
    if (!inserted) {
      if (connection.last_sqlstate() == kPgForeignKeyViolation) {
        return Fail(ErrorCode::kNotFound,
                    "cannot insert user " + user.email + ": no such organisation");
      }
      return inserted.error();
    }
    return {};
  });
}

Result<StoredUser> PostgresUserStore::QueryUser(std::string_view where, std::string_view argument) {
  const std::string sql =
      "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + std::string(where);
  PgParams params;
  params.Text(argument);
  return pool_.Run([&](PgConnection& connection) -> Result<StoredUser> {
    Result<PgResult> read = connection.Exec(sql, params);
    if (!read) {
      return read.error();
    }
    if (read->rows() == 0) {
      return Fail(ErrorCode::kNotFound, "no such user");
    }
    return ReadUser(*read, 0);
  });
}

Result<StoredUser> PostgresUserStore::GetUser(std::string_view user_id) {
  return QueryUser("user_id = $1", user_id);
}

Result<StoredUser> PostgresUserStore::FindUserByEmail(std::string_view email) {
  return QueryUser("email = $1", email);
}

Result<std::vector<StoredUser>> PostgresUserStore::ListUsers(std::string_view org_id) {
  std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users";
  PgParams params;
  if (!org_id.empty()) {
    sql += " WHERE org_id = $1";
    params.Text(org_id);
  }
  sql += " ORDER BY created_at_ms DESC, user_id DESC";
  return pool_.Run([&](PgConnection& connection) -> Result<std::vector<StoredUser>> {
    Result<PgResult> read = connection.Exec(sql, params);
    if (!read) {
      return read.error();
    }
    std::vector<StoredUser> users;
    users.reserve(static_cast<std::size_t>(read->rows()));
    for (int row = 0; row < read->rows(); ++row) {
      users.push_back(ReadUser(*read, row));
    }
    return users;
  });
}

Status PostgresUserStore::SetPasswordHash(std::string_view user_id,
                                          std::string_view password_hash) {
  PgParams params;
  params.Text(user_id).Text(password_hash);
  return pool_.Transact("BEGIN", [&params](PgConnection& connection) -> Status {
    Result<PgResult> updated =
        connection.Exec("UPDATE users SET password_hash = $2 WHERE user_id = $1", params);
    if (!updated) {
      return updated.error();
    }
    if (updated->affected_rows() == 0) {
      return Fail(ErrorCode::kNotFound, "no such user");
    }
    return {};
  });
}

Status PostgresUserStore::DisableUser(std::string_view user_id, std::int64_t at_ms) {
  PgParams params;
  params.Text(user_id).Int64(at_ms);
  return pool_.Transact("BEGIN", [&params](PgConnection& connection) -> Status {
    // Locks the user's row (every rotation takes it first), then revokes: a rotation that
    // committed before is seen by the second statement's snapshot, a later one waits for this
    // transaction and then finds its token revoked.
    Result<PgResult> disabled = connection.Exec(
        "UPDATE users SET disabled_at_ms = COALESCE(disabled_at_ms, $2) WHERE user_id = $1",
        params);
    if (!disabled) {
      return disabled.error();
    }
    if (disabled->affected_rows() == 0) {
      return Fail(ErrorCode::kNotFound, "no such user");
    }
    Result<PgResult> revoked = connection.Exec(
        "UPDATE refresh_tokens SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL",
        params);
    if (!revoked) {
      return revoked.error();
    }
    return {};
  });
}

Status PostgresUserStore::InsertRefreshToken(const StoredRefreshToken& token) {
  return pool_.Transact("BEGIN", [&token](PgConnection& connection) -> Status {
    // FOR SHARE waits for a DisableUser of this user in progress, whose revocation would
    // otherwise miss this token.
    Result<PgResult> user = connection.Exec("SELECT 1 FROM users WHERE user_id = $1 FOR SHARE",
                                            PgParams().Text(token.user_id));
    if (!user) {
      return user.error();
    }
    if (user->rows() == 0) {
      return Fail(ErrorCode::kNotFound, "cannot insert refresh token: no such user");
    }
    return InsertToken(connection, token);
  });
}

Result<StoredRefreshToken> PostgresUserStore::GetRefreshToken(std::string_view token_id) {
  const std::string sql =
      "SELECT " + std::string(kTokenColumns) + " FROM refresh_tokens WHERE token_id = $1";
  PgParams params;
  params.Text(token_id);
  return pool_.Run([&](PgConnection& connection) -> Result<StoredRefreshToken> {
    Result<PgResult> read = connection.Exec(sql, params);
    if (!read) {
      return read.error();
    }
    if (read->rows() == 0) {
      return UnknownToken();
    }
    return ReadToken(*read, 0);
  });
}

Result<std::int64_t> PostgresUserStore::RevokeRefreshFamily(std::string_view family_id,
                                                            std::int64_t at_ms) {
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Result<std::int64_t> {
    // The users' locks first, as a rotation takes them: the UPDATE below then sees every token
    // a rotation of this family inserted.
    Result<PgResult> users = connection.Exec(
        "SELECT 1 FROM users WHERE user_id IN "
        "(SELECT user_id FROM refresh_tokens WHERE family_id = $1) "
        "ORDER BY user_id FOR NO KEY UPDATE",
        PgParams().Text(family_id));
    if (!users) {
      return users.error();
    }
    return RevokeFamily(connection, family_id, at_ms);
  });
}

Result<StoredRefreshToken> PostgresUserStore::RotateRefreshToken(std::string_view token_id,
                                                                 const StoredRefreshToken& next,
                                                                 std::int64_t now_ms) {
  Result<std::optional<StoredRefreshToken>> rotated = pool_.Transact(
      "BEGIN", [&](PgConnection& connection) -> Result<std::optional<StoredRefreshToken>> {
        return RotateInTransaction(connection, token_id, next, now_ms);
      });
  if (!rotated) {
    return rotated.error();
  }
  if (!rotated->has_value()) {
    return Fail(ErrorCode::kUnauthenticated, std::string(kRefreshTokenReusedReason),
                "this refresh token was already used; its session is revoked");
  }
  return std::move(**rotated);
}

}  // namespace amaima::storage
