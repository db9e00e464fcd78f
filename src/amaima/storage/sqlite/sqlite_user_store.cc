#include "amaima/storage/sqlite/sqlite_user_store.h"

#include <optional>
#include <string>

#include "amaima/storage/sqlite/migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kUserColumns =
    "user_id, org_id, email, role, password_hash, created_at_ms, disabled_at_ms";
constexpr std::string_view kTokenColumns =
    "token_id, family_id, user_id, issued_at_ms, expires_at_ms, rotated_at_ms, revoked_at_ms";

StoredUser ReadUser(sqlite3_stmt* statement) {
  StoredUser user;
  user.user_id = ColumnText(statement, 0);
  user.org_id = ColumnText(statement, 1);
  user.email = ColumnText(statement, 2);
  user.role = ParseRole(ColumnText(statement, 3)).value_or(Role::kViewer);
  user.password_hash = ColumnText(statement, 4);
  user.created_at_ms = sqlite3_column_int64(statement, 5);
  user.disabled_at_ms = ColumnOptional(statement, 6);
  return user;
}

StoredRefreshToken ReadToken(sqlite3_stmt* statement) {
  StoredRefreshToken token;
  token.token_id = ColumnText(statement, 0);
  token.family_id = ColumnText(statement, 1);
  token.user_id = ColumnText(statement, 2);
  token.issued_at_ms = sqlite3_column_int64(statement, 3);
  token.expires_at_ms = sqlite3_column_int64(statement, 4);
  token.rotated_at_ms = ColumnOptional(statement, 5);
  token.revoked_at_ms = ColumnOptional(statement, 6);
  return token;
}

// Constraint failures name the cause: a missing parent row is kNotFound, a duplicate
// kAlreadyExists.
Error ConstraintError(sqlite3* db, int rc, std::string_view what, std::string_view parent) {
  if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Fail(ErrorCode::kNotFound, std::string(what) + ": no such " + std::string(parent));
  }
  return SqliteError(db, rc, what);
}

}  // namespace

Result<std::unique_ptr<SqliteUserStore>> SqliteUserStore::Open(const std::string& path) {
  Result<SqliteConnection> db = OpenMigratedSqlite(path);
  if (!db) {
    return db.error();
  }
  return std::unique_ptr<SqliteUserStore>(new SqliteUserStore(std::move(*db)));
}

Status SqliteUserStore::InsertUser(const StoredUser& user) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> insert =
      PrepareSql(db_.get(), "INSERT INTO users (" + std::string(kUserColumns)
                                + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert) {
    return insert.error();
  }
  sqlite3_stmt* s = insert->get();
  Bind(s, 1, user.user_id);
  Bind(s, 2, user.org_id);
  Bind(s, 3, user.email);
  Bind(s, 4, RoleName(user.role));
  Bind(s, 5, user.password_hash);
  sqlite3_bind_int64(s, 6, user.created_at_ms);
  BindOptional(s, 7, user.disabled_at_ms);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    return ConstraintError(db_.get(), rc, "cannot insert user " + user.email, "organisation");
  }
  return {};
}

Result<StoredUser> SqliteUserStore::QueryUser(std::string_view where, std::string_view argument) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + std::string(where));
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, argument);
  const int rc = sqlite3_step(select->get());
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "no such user");
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot read user");
  }
  return ReadUser(select->get());
}

Result<StoredUser> SqliteUserStore::GetUser(std::string_view user_id) {
  return QueryUser("user_id = ?1", user_id);
}

Result<StoredUser> SqliteUserStore::FindUserByEmail(std::string_view email) {
  return QueryUser("email = ?1", email);
}

Result<std::vector<StoredUser>> SqliteUserStore::ListUsers(std::string_view org_id) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select =
      PrepareSql(db_.get(), "SELECT " + std::string(kUserColumns)
                                + " FROM users WHERE ?1 = '' OR org_id = ?1"
                                  " ORDER BY created_at_ms DESC, user_id DESC");
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, org_id);
  std::vector<StoredUser> users;
  int rc = 0;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    users.push_back(ReadUser(select->get()));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot list users");
  }
  return users;
}

Status SqliteUserStore::SetPasswordHash(std::string_view user_id, std::string_view password_hash) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> update =
      PrepareSql(db_.get(), "UPDATE users SET password_hash = ?2 WHERE user_id = ?1");
  if (!update) {
    return update.error();
  }
  Bind(update->get(), 1, user_id);
  Bind(update->get(), 2, password_hash);
  Status done = StepDone(db_.get(), update->get(), "cannot set the password");
  if (!done) {
    return done;
  }
  if (sqlite3_changes(db_.get()) == 0) {
    return Fail(ErrorCode::kNotFound, "no such user");
  }
  return {};
}

Status SqliteUserStore::DisableUser(std::string_view user_id, std::int64_t at_ms) {
  const std::lock_guard lock(mutex_);
  Status begun = ExecSql(db_.get(), "BEGIN IMMEDIATE");
  if (!begun) {
    return begun;
  }
  SqliteTransaction transaction(db_.get());
  Result<SqliteStatement> exists = PrepareSql(db_.get(), "SELECT 1 FROM users WHERE user_id = ?1");
  if (!exists) {
    return exists.error();
  }
  Bind(exists->get(), 1, user_id);
  const int rc = sqlite3_step(exists->get());
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "no such user");
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot read user");
  }
  for (const char* sql :
       {"UPDATE users SET disabled_at_ms = ?2 WHERE user_id = ?1 AND disabled_at_ms IS NULL",
        "UPDATE refresh_tokens SET revoked_at_ms = ?2 "
        "WHERE user_id = ?1 AND revoked_at_ms IS NULL"}) {
    Result<SqliteStatement> update = PrepareSql(db_.get(), sql);
    if (!update) {
      return update.error();
    }
    Bind(update->get(), 1, user_id);
    sqlite3_bind_int64(update->get(), 2, at_ms);
    Status done = StepDone(db_.get(), update->get(), "cannot disable user");
    if (!done) {
      return done;
    }
  }
  return transaction.Commit();
}

Status SqliteUserStore::InsertTokenLocked(const StoredRefreshToken& token) {
  Result<SqliteStatement> insert =
      PrepareSql(db_.get(), "INSERT INTO refresh_tokens (" + std::string(kTokenColumns)
                                + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert) {
    return insert.error();
  }
  sqlite3_stmt* s = insert->get();
  Bind(s, 1, token.token_id);
  Bind(s, 2, token.family_id);
  Bind(s, 3, token.user_id);
  sqlite3_bind_int64(s, 4, token.issued_at_ms);
  sqlite3_bind_int64(s, 5, token.expires_at_ms);
  BindOptional(s, 6, token.rotated_at_ms);
  BindOptional(s, 7, token.revoked_at_ms);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    return ConstraintError(db_.get(), rc, "cannot insert refresh token", "user");
  }
  return {};
}

Status SqliteUserStore::InsertRefreshToken(const StoredRefreshToken& token) {
  const std::lock_guard lock(mutex_);
  return InsertTokenLocked(token);
}

Result<StoredRefreshToken> SqliteUserStore::GetTokenLocked(std::string_view token_id) {
  Result<SqliteStatement> select =
      PrepareSql(db_.get(), "SELECT " + std::string(kTokenColumns)
                                + " FROM refresh_tokens WHERE token_id = ?1");
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, token_id);
  const int rc = sqlite3_step(select->get());
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "AUTH_REFRESH_TOKEN_INVALID", "unknown refresh token");
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot read refresh token");
  }
  return ReadToken(select->get());
}

Result<StoredRefreshToken> SqliteUserStore::GetRefreshToken(std::string_view token_id) {
  const std::lock_guard lock(mutex_);
  return GetTokenLocked(token_id);
}

Result<std::int64_t> SqliteUserStore::RevokeFamilyLocked(std::string_view family_id,
                                                         std::int64_t at_ms) {
  Result<SqliteStatement> update = PrepareSql(db_.get(),
                                              "UPDATE refresh_tokens SET revoked_at_ms = ?2 "
                                              "WHERE family_id = ?1 AND revoked_at_ms IS NULL");
  if (!update) {
    return update.error();
  }
  Bind(update->get(), 1, family_id);
  sqlite3_bind_int64(update->get(), 2, at_ms);
  Status done = StepDone(db_.get(), update->get(), "cannot revoke refresh tokens");
  if (!done) {
    return done.error();
  }
  return static_cast<std::int64_t>(sqlite3_changes(db_.get()));
}

Result<std::int64_t> SqliteUserStore::RevokeRefreshFamily(std::string_view family_id,
                                                          std::int64_t at_ms) {
  const std::lock_guard lock(mutex_);
  return RevokeFamilyLocked(family_id, at_ms);
}

Result<StoredRefreshToken> SqliteUserStore::RotateRefreshToken(std::string_view token_id,
                                                               const StoredRefreshToken& next,
                                                               std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  Status begun = ExecSql(db_.get(), "BEGIN IMMEDIATE");
  if (!begun) {
    return begun.error();
  }
  SqliteTransaction transaction(db_.get());
  Result<StoredRefreshToken> current = GetTokenLocked(token_id);
  if (!current) {
    return current.error();
  }
  if (current->rotated_at_ms.has_value() && !current->revoked_at_ms.has_value()) {
    // A replay: whoever holds the family's newest token may be the thief. End the family.
    Result<std::int64_t> revoked = RevokeFamilyLocked(current->family_id, now_ms);
    if (!revoked) {
      return revoked.error();
    }
    Status committed = transaction.Commit();
    if (!committed) {
      return committed.error();
    }
    return Fail(ErrorCode::kUnauthenticated, std::string(kRefreshTokenReusedReason),
                "this refresh token was already used; its session is revoked");
  }
  if (current->revoked_at_ms.has_value() || current->expires_at_ms <= now_ms) {
    return Fail(ErrorCode::kUnauthenticated, "AUTH_REFRESH_TOKEN_INVALID",
                "the refresh token is revoked or expired");
  }
  Result<SqliteStatement> update =
      PrepareSql(db_.get(), "UPDATE refresh_tokens SET rotated_at_ms = ?2 WHERE token_id = ?1");
  if (!update) {
    return update.error();
  }
  Bind(update->get(), 1, token_id);
  sqlite3_bind_int64(update->get(), 2, now_ms);
  Status done = StepDone(db_.get(), update->get(), "cannot rotate refresh token");
  if (!done) {
    return done.error();
  }
  Status inserted = InsertTokenLocked(next);
  if (!inserted) {
    return inserted.error();
  }
  Status committed = transaction.Commit();
  if (!committed) {
    return committed.error();
  }
  return *current;
}

}  // namespace amaima::storage
