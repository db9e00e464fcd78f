#include "amaima/governance/api_keys.h"

#include <array>

#include <openssl/rand.h>

#include "amaima/core/hashing.h"

namespace amaima::governance {
namespace {

constexpr std::size_t kSecretBytes = 24;
constexpr std::size_t kMinChosenSecret = 16;
constexpr std::size_t kMaxCacheEntries = 100000;

Error InvalidKey() {
  // One message for unknown, revoked and expired keys: the answer tells a prober nothing.
  return Fail(ErrorCode::kUnauthenticated, "AUTH_INVALID_API_KEY",
              "the API key is not valid (unknown, revoked or expired)");
}

}  // namespace

std::string GenerateApiKeySecret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::abort();  // No randomness: no key may be made.
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string secret(kApiKeyPrefix);
  for (const unsigned char byte : bytes) {
    secret += kHex[byte >> 4U];
    secret += kHex[byte & 15U];
  }
  return secret;
}

std::string HashApiKeySecret(std::string_view secret) {
  return ToHex(Sha256(secret));
}

Result<CreatedApiKey> MakeApiKey(const NewApiKey& request, IdGenerator& ids, const Clock& clock) {
  const std::int64_t now = UnixMillis(clock.Now());
  if (request.expires_at_ms.has_value() && *request.expires_at_ms <= now) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "expires_at is in the past")
        .With("field", "expires_at");
  }
  if (!request.secret.empty() && request.secret.size() < kMinChosenSecret) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "a chosen API key must be at least 16 characters");
  }
  for (const std::string& scope : request.scopes) {
    const std::optional<Permission> permission = ParsePermission(scope);
    if (!permission.has_value() || *permission == Permission::kPublic) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                  "unknown scope '" + scope
                      + "': a scope is a permission name (query, feedback, read_own_decisions, "
                        "read_analytics, ...)")
          .With("field", "scopes");
    }
    if (!RoleAllows(request.role, *permission)) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                  "scope '" + scope + "' is not granted to role "
                      + std::string(RoleName(request.role)))
          .With("field", "scopes");
    }
  }
  CreatedApiKey created;
  created.secret = request.secret.empty() ? GenerateApiKeySecret() : request.secret;
  storage::StoredApiKey& record = created.record;
  record.key_id = ids.NewId();
  record.org_id = request.org_id;
  record.name = request.name;
  record.role = request.role;
  record.prefix = created.secret.substr(0, std::min(kShownPrefixLength, created.secret.size() / 2));
  record.secret_hash = HashApiKeySecret(created.secret);
  record.scopes = request.scopes;
  record.created_at_ms = now;
  record.expires_at_ms = request.expires_at_ms;
  return created;
}

ApiKeyAuthenticator::ApiKeyAuthenticator(storage::GovernanceStore& store, const Clock& clock,
                                         std::chrono::milliseconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

Result<Principal> ApiKeyAuthenticator::Check(const Entry& entry) const {
  if (entry.principal && entry.expires_at_ms.has_value()
      && UnixMillis(clock_.Now()) >= *entry.expires_at_ms) {
    return InvalidKey();
  }
  return entry.principal;
}

std::optional<Result<Principal>> ApiKeyAuthenticator::Cached(std::string_view secret) const {
  const std::string hash = HashApiKeySecret(secret);
  const std::lock_guard lock(mutex_);
  const auto found = cache_.find(hash);
  if (found == cache_.end() || clock_.Monotonic() - found->second.fetched >= ttl_) {
    return std::nullopt;
  }
  return Check(found->second);
}

Result<Principal> ApiKeyAuthenticator::Authenticate(std::string_view secret) {
  if (std::optional<Result<Principal>> cached = Cached(secret)) {
    return std::move(*cached);
  }
  const std::string hash = HashApiKeySecret(secret);
  Entry entry{InvalidKey(), clock_.Monotonic(), std::nullopt};
  Result<storage::StoredApiKey> key = store_.FindApiKeyByHash(hash);
  if (key) {
    Result<storage::StoredOrg> org = store_.GetOrg(key->org_id);
    if (!org && org.error().code != ErrorCode::kNotFound) {
      return org.error();  // The store failed: not cached, not an answer about the key.
    }
    if (org && !key->revoked_at_ms.has_value()) {
      Principal principal;
      principal.authenticated = true;
      principal.org_id = key->org_id;
      principal.key_id = key->key_id;
      principal.role = key->role;
      for (const std::string& scope : key->scopes) {
        if (const std::optional<Permission> permission = ParsePermission(scope)) {
          principal.scopes.push_back(*permission);
        } else {
          // A scope this version does not know grants nothing (fail closed).
          principal.scopes.push_back(Permission::kPublic);
        }
      }
      principal.execution_allowed = org->execution_mode != "decision-only";
      entry.principal = std::move(principal);
      entry.expires_at_ms = key->expires_at_ms;
    }
  } else if (key.error().code != ErrorCode::kNotFound) {
    return key.error();
  }
  Result<Principal> answer = Check(entry);
  const std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCacheEntries) {
    cache_.clear();  // Bounded memory against floods of unknown keys.
  }
  cache_.insert_or_assign(hash, std::move(entry));
  return answer;
}

void ApiKeyAuthenticator::Invalidate() {
  const std::lock_guard lock(mutex_);
  cache_.clear();
}

}  // namespace amaima::governance
