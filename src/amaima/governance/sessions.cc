#include "amaima/governance/sessions.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "amaima/auth/secrets.h"

namespace amaima::governance {
namespace {

constexpr std::size_t kMinPasswordBytes = 8;
constexpr std::size_t kMaxEmailBytes = 254;
constexpr std::chrono::seconds kOrgCacheTtl{5};
constexpr std::chrono::seconds kLeeway{30};

Error InvalidCredentials() {
  return Fail(ErrorCode::kUnauthenticated, "AUTH_INVALID_CREDENTIALS",
              "the email or the password is wrong");
}

std::string LowerCase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A plausible address: one '@' with text on both sides, no spaces or control characters.
bool ValidEmail(std::string_view email) {
  const std::size_t at = email.find('@');
  if (email.empty() || email.size() > kMaxEmailBytes || at == 0 || at == std::string_view::npos
      || at + 1 >= email.size() || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(email.begin(), email.end(),
                      [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}

std::chrono::sys_seconds FloorSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

auth::JwtVerifierOptions VerifierOptions(const SessionOptions& options, auth::TokenUse use) {
  auth::JwtVerifierOptions verifier;
  verifier.leeway = kLeeway;
  verifier.issuer = options.issuer;
  verifier.token_use = use;
  return verifier;
}

// A hash of a random password, verified against for unknown emails.
std::string DummyHash(const auth::PasswordHasher& hasher) {
  Result<std::string> hash = hasher.Hash(auth::RandomToken(16));
  return hash ? *hash : std::string();
}

}  // namespace

Sessions::Sessions(storage::UserStore& users, storage::GovernanceStore& orgs,
                   Governance& governance, auth::PasswordHasher hasher, SessionKeys keys,
                   limits::RevocationList& revoked, limits::RateLimiter* limiter, IdGenerator& ids,
                   const Clock& clock, SessionOptions options)
    : users_(users),
      orgs_(orgs),
      governance_(governance),
      hasher_(std::move(hasher)),
      keys_(std::move(keys)),
      access_verifier_(keys_.verify_key, VerifierOptions(options, auth::TokenUse::kAccess), clock),
      refresh_verifier_(keys_.verify_key, VerifierOptions(options, auth::TokenUse::kRefresh),
                        clock),
      revoked_(revoked),
      limiter_(limiter),
      ids_(ids),
      clock_(clock),
      options_(std::move(options)),
      dummy_hash_(DummyHash(hasher_)) {}

bool Sessions::LooksLikeJwt(std::string_view credential) {
  return std::count(credential.begin(), credential.end(), '.') == 2
         && credential.substr(0, 3) == "eyJ";  // base64url of '{"'
}

void Sessions::Audit(std::string org_id, std::string actor, std::string action, std::string target,
                     bool success, std::vector<std::pair<std::string, std::string>> details) {
  // Authentication answers do not depend on the trail: a failed append is not reported to
  // the client (an unwritable store fails the login's own store calls anyway).
  (void)governance_.Record(AuditEvent{std::move(org_id), std::move(actor), std::move(action),
                                      std::move(target), success, std::move(details)});
}

Result<storage::StoredUser> Sessions::CreateUser(const Principal& actor, NewUser request) {
  if (!Governance::MayAdminister(actor, request.org_id)) {
    return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
                "you may not create users in organisation " + request.org_id);
  }
  const std::string email = LowerCase(request.email);
  if (!ValidEmail(email)) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "email must be an address like name@example.com")
        .With("field", "email");
  }
  if (request.password.size() < kMinPasswordBytes) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_PASSWORD",
                "the password must have at least 8 characters")
        .With("field", "password");
  }
  Result<std::string> hash = hasher_.Hash(request.password);
  if (!hash) {
    return hash.error();
  }
  storage::StoredUser user;
  user.user_id = ids_.NewId();
  user.org_id = request.org_id;
  user.email = email;
  user.role = request.role;
  user.password_hash = std::move(*hash);
  user.created_at_ms = UnixMillis(clock_.Now());
  Status inserted = users_.InsertUser(user);
  if (!inserted) {
    Error error = inserted.error();
    if (error.code == ErrorCode::kAlreadyExists) {
      error.message = "a user with this email exists";
    } else if (error.code == ErrorCode::kNotFound) {
      error.message = "no organisation " + request.org_id;
    }
    return error;
  }
  Audit(user.org_id, actor.Subject(), "user.create", "user:" + user.user_id, true,
        {{"email", user.email}, {"role", std::string(RoleName(user.role))}});
  return user;
}

Result<std::vector<storage::StoredUser>> Sessions::ListUsers(const Principal& actor,
                                                             std::string_view org_id) {
  std::string org(org_id);
  if (org.empty() && !Governance::MayAdminister(actor, "")) {
    org = actor.Org();
  }
  if (!org.empty() && !Governance::MayAdminister(actor, org)) {
    return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
                "you may not list the users of organisation " + org);
  }
  return users_.ListUsers(org);
}

Result<storage::StoredUser> Sessions::DisableUser(const Principal& actor,
                                                  std::string_view user_id) {
  Result<storage::StoredUser> user = users_.GetUser(user_id);
  if (!user || !Governance::MayAdminister(actor, user->org_id)) {
    return Fail(ErrorCode::kNotFound, "no user " + std::string(user_id));
  }
  const auto now = clock_.Now();
  Status disabled = users_.DisableUser(user_id, UnixMillis(now));
  if (!disabled) {
    return disabled.error();
  }
  // Access tokens already issued stop at once: the subject is revoked for their lifetime.
  Status revoked = revoked_.Revoke("user:" + user->user_id, now + options_.access_ttl + kLeeway);
  if (!revoked) {
    return revoked.error();
  }
  Audit(user->org_id, actor.Subject(), "user.disable", "user:" + user->user_id, true, {});
  return users_.GetUser(user_id);
}

Status Sessions::Throttle(std::string_view email, std::string_view client_address) {
  if (limiter_ == nullptr || options_.login_rules.empty()) {
    return {};
  }
  const std::array<std::string, 2> buckets = {"login:email:" + std::string(email),
                                              "login:ip:" + std::string(client_address)};
  for (const std::string& bucket : buckets) {
    const limits::RateLimitResult result = limiter_->Acquire(bucket, options_.login_rules);
    if (!result.allowed) {
      const std::int64_t retry = result.retry_after == limits::kRetryNever
                                     ? 3600
                                     : (result.retry_after.count() + 999) / 1000;
      return Fail(ErrorCode::kResourceExhausted, "RATE_LIMIT_EXCEEDED",
                  "too many login attempts; retry after " + std::to_string(retry) + " s")
          .With("retry_after_s", std::to_string(retry));
    }
  }
  return {};
}

Result<IssuedTokens> Sessions::Login(std::string_view email_in, std::string_view password,
                                     std::string_view client_address) {
  const std::string email = LowerCase(email_in);
  const std::string actor = "email:" + email;
  Status allowed = Throttle(email, client_address);
  if (!allowed) {
    Audit(std::string(kSystemOrg), actor, "auth.login", "", false,
          {{"reason", "throttled"}, {"address", std::string(client_address)}});
    return allowed.error();
  }
  Result<storage::StoredUser> user = users_.FindUserByEmail(email);
  if (!user) {
    if (user.error().code != ErrorCode::kNotFound) {
      return user.error();
    }
    (void)hasher_.Verify(password, dummy_hash_);  // The same work as for a known email.
    Audit(std::string(kSystemOrg), actor, "auth.login", "", false,
          {{"reason", "unknown_email"}, {"address", std::string(client_address)}});
    return InvalidCredentials();
  }
  const std::string target = "user:" + user->user_id;
  if (!hasher_.Verify(password, user->password_hash)) {
    Audit(user->org_id, actor, "auth.login", target, false,
          {{"reason", "wrong_password"}, {"address", std::string(client_address)}});
    return InvalidCredentials();
  }
  if (user->disabled_at_ms.has_value()) {
    Audit(user->org_id, actor, "auth.login", target, false,
          {{"reason", "disabled"}, {"address", std::string(client_address)}});
    return InvalidCredentials();
  }
  if (hasher_.NeedsRehash(user->password_hash)) {
    if (Result<std::string> rehashed = hasher_.Hash(password)) {
      (void)users_.SetPasswordHash(user->user_id, *rehashed);
    }
  }
  Result<IssuedTokens> tokens = Issue(*user, ids_.NewId(), std::nullopt);
  if (tokens) {
    Audit(user->org_id, target, "auth.login", target, true,
          {{"address", std::string(client_address)}});
  }
  return tokens;
}

Result<IssuedTokens> Sessions::Issue(const storage::StoredUser& user, const std::string& family_id,
                                     std::optional<std::string_view> rotated_from) {
  if (!keys_.signer.has_value()) {
    return Fail(ErrorCode::kFailedPrecondition, "AUTH_LOGIN_UNAVAILABLE",
                "this server holds only a public key: it verifies tokens but issues none");
  }
  const auto now = clock_.Now();
  const std::chrono::sys_seconds issued = FloorSeconds(now);
  auth::JwtClaims access;
  access.iss = options_.issuer;
  access.sub = user.user_id;
  access.org = user.org_id;
  access.role = std::string(RoleName(user.role));
  access.email = user.email;
  access.jti = ids_.NewId();
  access.token_use = auth::TokenUse::kAccess;
  access.iat = issued;
  access.exp = issued + std::chrono::duration_cast<std::chrono::seconds>(options_.access_ttl);
  auth::JwtClaims refresh = access;
  refresh.email.reset();
  refresh.jti = ids_.NewId();
  refresh.token_use = auth::TokenUse::kRefresh;
  refresh.exp = issued + std::chrono::duration_cast<std::chrono::seconds>(options_.refresh_ttl);

  storage::StoredRefreshToken stored;
  stored.token_id = refresh.jti;
  stored.family_id = family_id;
  stored.user_id = user.user_id;
  stored.issued_at_ms = UnixMillis(now);
  stored.expires_at_ms = UnixMillis(refresh.exp);
  if (rotated_from.has_value()) {
    Result<storage::StoredRefreshToken> rotated =
        users_.RotateRefreshToken(*rotated_from, stored, UnixMillis(now));
    if (!rotated) {
      return rotated.error();
    }
  } else {
    Status inserted = users_.InsertRefreshToken(stored);
    if (!inserted) {
      return inserted.error();
    }
  }
  Result<std::string> access_token = keys_.signer->Sign(access);
  if (!access_token) {
    return access_token.error();
  }
  Result<std::string> refresh_token = keys_.signer->Sign(refresh);
  if (!refresh_token) {
    return refresh_token.error();
  }
  IssuedTokens tokens;
  tokens.access_token = std::move(*access_token);
  tokens.access_expires_in_s = (access.exp - access.iat).count();
  tokens.refresh_token = std::move(*refresh_token);
  tokens.refresh_expires_in_s = (refresh.exp - refresh.iat).count();
  tokens.user = user;
  return tokens;
}

Result<IssuedTokens> Sessions::Refresh(std::string_view refresh_token) {
  Result<auth::JwtClaims> claims = refresh_verifier_.Verify(refresh_token);
  if (!claims) {
    return claims.error();
  }
  Result<storage::StoredRefreshToken> stored = users_.GetRefreshToken(claims->jti);
  if (!stored) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kUnauthenticated, "AUTH_REFRESH_TOKEN_INVALID",
                  "unknown refresh token");
    }
    return stored.error();
  }
  Result<storage::StoredUser> user = users_.GetUser(stored->user_id);
  if (!user) {
    return Fail(ErrorCode::kUnauthenticated, "AUTH_REFRESH_TOKEN_INVALID",
                "the refresh token's user no longer exists");
  }
  const std::string target = "user:" + user->user_id;
  if (user->disabled_at_ms.has_value()) {
    Audit(user->org_id, target, "auth.refresh", target, false, {{"reason", "disabled"}});
    return Fail(ErrorCode::kUnauthenticated, "AUTH_REFRESH_TOKEN_INVALID", "the user is disabled");
  }
  Result<IssuedTokens> tokens = Issue(*user, stored->family_id, claims->jti);
  if (!tokens && tokens.error().reason == storage::kRefreshTokenReusedReason) {
    Audit(user->org_id, target, "auth.refresh_reuse", "session:" + stored->family_id, false,
          {{"token", claims->jti}});
  }
  return tokens;
}

Status Sessions::Logout(const Principal& caller, std::string_view access_token,
                        std::string_view refresh_token) {
  if (caller.user_id.empty() || !caller.key_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "AUTH_NOT_A_SESSION",
                "only a user's session logs out; revoke an API key with DELETE "
                "/v1/admin/keys/{id}");
  }
  Result<auth::JwtClaims> access = access_verifier_.Verify(access_token);
  if (!access) {
    return access.error();
  }
  Status revoked = revoked_.Revoke(access->jti, access->exp + kLeeway);
  if (!revoked) {
    return revoked;
  }
  std::string family;
  if (!refresh_token.empty()) {
    Result<auth::JwtClaims> refresh = refresh_verifier_.Verify(refresh_token);
    if (!refresh || refresh->sub != caller.user_id) {
      return Fail(ErrorCode::kInvalidArgument, "AUTH_REFRESH_TOKEN_INVALID",
                  "refresh_token is not a valid refresh token of this user")
          .With("field", "refresh_token");
    }
    Result<storage::StoredRefreshToken> stored = users_.GetRefreshToken(refresh->jti);
    if (!stored) {
      return stored.error();
    }
    family = stored->family_id;
    Result<std::int64_t> ended = users_.RevokeRefreshFamily(family, UnixMillis(clock_.Now()));
    if (!ended) {
      return ended.error();
    }
  }
  Audit(caller.Org(), caller.Subject(), "auth.logout", caller.Subject(), true,
        {{"jti", access->jti}, {"session", family}});
  return {};
}

Result<bool> Sessions::OrgMayExecute(const std::string& org_id) {
  const auto now = clock_.Monotonic();
  // A switch made through this process applies at once; one made through another replica
  // within the cache's time to live.
  const std::uint64_t changes = governance_.org_changes();
  {
    const std::lock_guard lock(org_mutex_);
    const auto found = org_cache_.find(org_id);
    if (found != org_cache_.end() && now - found->second.fetched < kOrgCacheTtl
        && found->second.org_changes == changes) {
      return found->second.may_execute;
    }
  }
  Result<storage::StoredOrg> org = orgs_.GetOrg(org_id);
  if (!org) {
    return org.error();
  }
  const bool may_execute = org->execution_mode != "decision-only";
  const std::lock_guard lock(org_mutex_);
  org_cache_.insert_or_assign(org_id, OrgEntry{may_execute, now, changes});
  return may_execute;
}

Result<Principal> Sessions::AuthenticateAccess(std::string_view token) {
  Result<auth::JwtClaims> claims = access_verifier_.Verify(token);
  if (!claims) {
    return claims.error();
  }
  for (const std::string& id : {claims->jti, "user:" + claims->sub}) {
    Result<bool> revoked = revoked_.IsRevoked(id);
    if (!revoked) {
      return revoked.error();  // Fail closed: an unknown revocation state admits no one.
    }
    if (*revoked) {
      return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_REVOKED", "the token was revoked");
    }
  }
  const std::optional<Role> role = ParseRole(claims->role);
  if (!role.has_value()) {
    return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID", "unknown role in token");
  }
  Result<bool> may_execute = OrgMayExecute(claims->org);
  if (!may_execute) {
    if (may_execute.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
                  "the token's organisation does not exist");
    }
    return may_execute.error();
  }
  Principal principal;
  principal.authenticated = true;
  principal.org_id = claims->org;
  principal.user_id = claims->sub;
  principal.role = *role;
  principal.execution_allowed = *may_execute;
  return principal;
}

}  // namespace amaima::governance
