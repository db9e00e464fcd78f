#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amaima/auth/jwt.h"
#include "amaima/auth/password_hasher.h"
#include "amaima/core/access.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/governance/governance.h"
#include "amaima/limits/rate_limiter.h"
#include "amaima/limits/revocation_list.h"
#include "amaima/storage/governance_store.h"
#include "amaima/storage/user_store.h"

namespace amaima::governance {

struct SessionOptions {
  std::string issuer{"amaima"};
  std::chrono::milliseconds access_ttl{15LL * 60 * 1000};
  std::chrono::milliseconds refresh_ttl{30LL * 24 * 60 * 60 * 1000};
  // Password attempts per email and per client address (brute-force throttling).
  std::vector<limits::RateLimitRule> login_rules{};
};

struct NewUser {
  std::string org_id{};
  std::string email{};
  std::string password{};
  Role role{Role::kUser};
};

// What a login or a refresh answers.
struct IssuedTokens {
  std::string access_token{};
  std::int64_t access_expires_in_s{0};
  std::string refresh_token{};
  std::int64_t refresh_expires_in_s{0};
  storage::StoredUser user{};
};

// The keys a server signs and verifies users' tokens with. `signer` is absent on a replica
// given only an RS256 public key: it verifies tokens but cannot log anyone in.
struct SessionKeys {
  std::optional<auth::JwtSigner> signer{};
  auth::JwtKey verify_key;
};

// Users, their password logins and their sessions (DESIGN.md §8):
//  - passwords are Argon2id hashes; login answers one generic error for an unknown email, a
//    wrong password or a disabled user (and spends the same hashing work on each);
//  - attempts are throttled per email and per client address (429 with Retry-After);
//  - a login issues a 15-minute JWT access token and a 30-day JWT refresh token, the first of
//    a new family; each refresh rotates the refresh token, and presenting a rotated one again
//    revokes the family (a stolen token is then useless to both holders);
//  - logout revokes the access token's jti (until it expires) and the refresh family; a
//    disabled user's tokens stop working at once.
// Logins, failures, reuse, logouts and user changes are audited.
//
// @par Thread Safety
// Thread-safe. Every call blocks (Argon2id, the stores, maybe Redis): run it on the blocking
// pool. Everything is borrowed and must outlive this object.
class Sessions {
 public:
  Sessions(storage::UserStore& users, storage::GovernanceStore& orgs, Governance& governance,
           auth::PasswordHasher hasher, SessionKeys keys, limits::RevocationList& revoked,
           limits::RateLimiter* limiter, IdGenerator& ids, const Clock& clock,
           SessionOptions options);

  Result<storage::StoredUser> CreateUser(const Principal& actor, NewUser request);
  Result<std::vector<storage::StoredUser>> ListUsers(const Principal& actor,
                                                     std::string_view org_id);
  // Disables the user and ends every session of theirs.
  Result<storage::StoredUser> DisableUser(const Principal& actor, std::string_view user_id);

  // `client_address` keys the per-address throttle. Fails with 401
  // AUTH_INVALID_CREDENTIALS, or 429 RATE_LIMIT_EXCEEDED (details.retry_after_s).
  Result<IssuedTokens> Login(std::string_view email, std::string_view password,
                             std::string_view client_address);
  Result<IssuedTokens> Refresh(std::string_view refresh_token);
  // Ends the session of `caller`: revokes the access token `access_jti` and, when given, the
  // family of `refresh_token` (which must be the caller's).
  Status Logout(const Principal& caller, std::string_view access_token,
                std::string_view refresh_token);

  // The principal of a valid, unrevoked access token of an enabled user.
  Result<Principal> AuthenticateAccess(std::string_view token);

  // Whether `credential` has the shape of a JWT (three base64url parts), not of an API key.
  static bool LooksLikeJwt(std::string_view credential);

 private:
  Result<IssuedTokens> Issue(const storage::StoredUser& user, const std::string& family_id,
                             std::optional<std::string_view> rotated_from);
  Result<bool> OrgMayExecute(const std::string& org_id);
  Status Throttle(std::string_view email, std::string_view client_address);
  void Audit(std::string org_id, std::string actor, std::string action, std::string target,
             bool success, std::vector<std::pair<std::string, std::string>> details);

  storage::UserStore& users_;
  storage::GovernanceStore& orgs_;
  Governance& governance_;
  auth::PasswordHasher hasher_;
  SessionKeys keys_;
  auth::JwtVerifier access_verifier_;
  auth::JwtVerifier refresh_verifier_;
  limits::RevocationList& revoked_;
  limits::RateLimiter* limiter_;
  IdGenerator& ids_;
  const Clock& clock_;
  SessionOptions options_;
  std::string dummy_hash_;  // Verified against for unknown emails, to spend the same time.

  struct OrgEntry {
    bool may_execute{true};
    std::chrono::steady_clock::time_point fetched{};
    std::uint64_t org_changes{0};  // Governance::org_changes() when fetched.
  };

  std::mutex org_mutex_;
  std::unordered_map<std::string, OrgEntry> org_cache_{};  // GUARDED_BY(org_mutex_)
};

}  // namespace amaima::governance
