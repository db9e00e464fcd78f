#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/user_store.h"

namespace amaima::storage {

// UserStore on SQLite: one connection guarded by a mutex (the database is shared with the
// other SQLite stores; WAL lets them read while one writes).
//
// @par Thread Safety
// Thread-safe.
class SqliteUserStore final : public UserStore {
 public:
  // Opens `path` (created if missing) and applies pending migrations.
  static Result<std::unique_ptr<SqliteUserStore>> Open(const std::string& path);

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
  explicit SqliteUserStore(SqliteConnection db) : db_(std::move(db)) {}

  Result<StoredUser> QueryUser(std::string_view where, std::string_view argument);
  Result<StoredRefreshToken> GetTokenLocked(std::string_view token_id);  // REQUIRES(mutex_)
  Status InsertTokenLocked(const StoredRefreshToken& token);             // REQUIRES(mutex_)
  Result<std::int64_t> RevokeFamilyLocked(std::string_view family_id,
                                          std::int64_t at_ms);  // REQUIRES(mutex_)

  std::mutex mutex_;
  SqliteConnection db_;
};

}  // namespace amaima::storage
