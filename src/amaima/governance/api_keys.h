#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "amaima/core/access.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/storage/governance_store.h"

namespace amaima::governance {

// API keys: "amk_" followed by 48 hex digits (192 random bits). The secret is shown once, at
// creation; the store keeps its SHA-256 and its first 12 characters (the prefix).
inline constexpr std::string_view kApiKeyPrefix = "amk_";
inline constexpr std::size_t kShownPrefixLength = 12;

struct NewApiKey {
  std::string org_id{};
  std::string name{};
  Role role{Role::kUser};
  std::vector<std::string> scopes{};
  std::optional<std::int64_t> expires_at_ms{};
  // The secret to store; empty = generate one. Set only by the bootstrap
  // (AMAIMA_ADMIN_API_KEY), which lets the operator choose it.
  std::string secret{};
};

struct CreatedApiKey {
  storage::StoredApiKey record{};
  std::string secret{};  // Shown once.
};

// Returns a fresh random secret.
std::string GenerateApiKeySecret();
// The hash stored for `secret`: lower-case hex SHA-256.
std::string HashApiKeySecret(std::string_view secret);

// Builds the record of a new key (not stored). Fails with kInvalidArgument for a chosen
// secret shorter than 16 bytes or an expiry in the past.
Result<CreatedApiKey> MakeApiKey(const NewApiKey& request, IdGenerator& ids, const Clock& clock);

// Resolves API key secrets to principals: looks the key up by its hash (so that no
// comparison of secrets happens in user space), checks revocation, expiry and the org, and
// caches the answer for `ttl` so that the request path reads the store only on a miss.
// Revoke() on this process takes effect at once; on other processes sharing the store,
// within `ttl`.
//
// @par Thread Safety
// Thread-safe. Authenticate() blocks on a cache miss (a store read): call it from the
// blocking pool, or call Cached() first on the I/O thread.
class ApiKeyAuthenticator {
 public:
  ApiKeyAuthenticator(storage::GovernanceStore& store, const Clock& clock,
                      std::chrono::milliseconds ttl);

  // The principal for `secret` if the cache can answer now; nullopt on a miss.
  std::optional<Result<Principal>> Cached(std::string_view secret) const;
  // Reads through to the store.
  Result<Principal> Authenticate(std::string_view secret);
  // Drops cached entries (after a revocation or an org change).
  void Invalidate();

 private:
  struct Entry {
    Result<Principal> principal;
    std::chrono::steady_clock::time_point fetched;
    std::optional<std::int64_t> expires_at_ms;
  };

  Result<Principal> Check(const Entry& entry) const;

  storage::GovernanceStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;  // By secret hash.
};

}  // namespace amaima::governance
