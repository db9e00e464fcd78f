#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/access.h"
#include "amaima/core/result.h"

namespace amaima::storage {

// A person who logs in with a password (DESIGN.md §8). `email` is stored lower-cased and is
// unique across organisations; `password_hash` is an Argon2id PHC string.
struct StoredUser {
  std::string user_id{};
  std::string org_id{};
  std::string email{};
  Role role{Role::kUser};
  std::string password_hash{};
  std::int64_t created_at_ms{0};
  std::optional<std::int64_t> disabled_at_ms{};

  friend bool operator==(const StoredUser&, const StoredUser&) = default;
};

// One refresh token (its JWT id). The tokens issued by one login form a family: each refresh
// rotates the presented token (marks it rotated) and issues the next one of the family.
struct StoredRefreshToken {
  std::string token_id{};  // The token's jti.
  std::string family_id{};
  std::string user_id{};
  std::int64_t issued_at_ms{0};
  std::int64_t expires_at_ms{0};
  std::optional<std::int64_t> rotated_at_ms{};  // Replaced by the next token of its family.
  std::optional<std::int64_t> revoked_at_ms{};  // Its family was revoked (logout, reuse).

  friend bool operator==(const StoredRefreshToken&, const StoredRefreshToken&) = default;
};

// The reason of the error RotateRefreshToken returns when a rotated token is presented again.
inline constexpr std::string_view kRefreshTokenReusedReason = "AUTH_REFRESH_TOKEN_REUSED";

// Users and their refresh tokens.
//
// @par Thread Safety
// Implementations are thread-safe. Calls block (disk, network): callers on I/O threads run
// them on the blocking pool.
class UserStore {
 public:
  UserStore() = default;
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;
  UserStore(UserStore&&) = delete;
  UserStore& operator=(UserStore&&) = delete;
  virtual ~UserStore() = default;

  // kAlreadyExists when the id or the email is taken; kNotFound when the org does not exist.
  virtual Status InsertUser(const StoredUser& user) = 0;
  virtual Result<StoredUser> GetUser(std::string_view user_id) = 0;
  // `email` lower-cased. kNotFound when no user has it.
  virtual Result<StoredUser> FindUserByEmail(std::string_view email) = 0;
  // The users of `org_id` ("" = every org), newest first.
  virtual Result<std::vector<StoredUser>> ListUsers(std::string_view org_id) = 0;
  // Replaces the password hash (a rehash after login, or a new password). kNotFound.
  virtual Status SetPasswordHash(std::string_view user_id, std::string_view password_hash) = 0;
  // Disables the user and revokes every refresh token of theirs, in one transaction. Disabling
  // a disabled user keeps the first time. kNotFound for an unknown user.
  virtual Status DisableUser(std::string_view user_id, std::int64_t at_ms) = 0;

  // kAlreadyExists for a duplicate token id; kNotFound for an unknown user.
  virtual Status InsertRefreshToken(const StoredRefreshToken& token) = 0;
  virtual Result<StoredRefreshToken> GetRefreshToken(std::string_view token_id) = 0;
  // In one transaction: when `token_id` is live at `now_ms` (neither rotated, revoked nor
  // expired), marks it rotated, inserts `next` (which must be of the same family and user)
  // and returns the rotated token as it was. When it was rotated before, this is a replay of a
  // stolen or leaked token: revokes its whole family and fails with kUnauthenticated, reason
  // kRefreshTokenReusedReason. Revoked or expired: kUnauthenticated
  // ("AUTH_REFRESH_TOKEN_INVALID"). Unknown: kNotFound.
  virtual Result<StoredRefreshToken> RotateRefreshToken(std::string_view token_id,
                                                        const StoredRefreshToken& next,
                                                        std::int64_t now_ms) = 0;
  // Revokes every token of `family_id` that is not revoked yet; returns how many.
  virtual Result<std::int64_t> RevokeRefreshFamily(std::string_view family_id,
                                                   std::int64_t at_ms) = 0;
};

}  // namespace amaima::storage
