// Users' sessions end to end on the real binary: users created through the admin API, password
// logins, JWT access tokens on API routes, rotating refresh tokens with reuse detection, logout
// and user disabling, brute-force throttling, forged and confused tokens, RS256 keys from
// files, and what reaches the audit trail and the log.
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "amaima/auth/base64url.h"
#include "amaima/auth/jwt.h"
#include "amaima/core/base64.h"
#include "amaima/core/clock.h"
#include "test/support/backends.h"
#include "test/support/http_client.h"
#include "test/support/server_process.h"
#include "test/support/test_keys.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kPassword = "correct horse battery staple";

json::value Parse(const ClientResponse& response) {
  return json::parse(response.body);
}

std::string ErrorCode(const ClientResponse& response) {
  return std::string(Parse(response).at("error").at("code").as_string());
}

std::string B64(std::string_view bytes) {
  return Base64Encode(bytes, Base64Alphabet::kUrl);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs on both deployments: SQLite with in-process limits, and PostgreSQL with Redis.
class AuthIntegrationTest : public BackendTest {
 protected:
  void StartServer(std::vector<std::string> env = {}) {
    env.insert(env.end(), backend_env_.begin(), backend_env_.end());
    data_dir_ = MakeTempDir();
    server_ = std::make_unique<ServerProcess>(data_dir_, std::vector<std::string>{}, env);
    server_->set_output_file(data_dir_ + "/server.log");
    server_->Start();
    admin_ = std::make_unique<HttpClient>(server_->port());
    anonymous_ = std::make_unique<HttpClient>(server_->port(), "");
  }

  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("Rs256")
        != std::string::npos) {
      return;  // Starts its own server.
    }
    StartServer({"AMAIMA_AUTH__JWT_SECRET=integration-test-secret-of-at-least-32-bytes"});
  }

  // Creates a user through the admin API; returns its id.
  std::string CreateUser(const std::string& email, const std::string& role = "user") {
    const json::object body{{"email", email}, {"password", std::string(kPassword)}, {"role", role}};
    const ClientResponse created = admin_->Post("/v1/admin/users", json::serialize(body));
    EXPECT_EQ(created.status, 201) << created.body;
    const json::value user = Parse(created);
    EXPECT_FALSE(user.as_object().contains("password_hash")) << created.body;
    return std::string(user.at("user_id").as_string());
  }

  ClientResponse Login(const std::string& email, std::string_view password = kPassword) {
    const json::object body{{"email", email}, {"password", std::string(password)}};
    return anonymous_->Post("/v1/auth/login", json::serialize(body));
  }

  ClientResponse Refresh(const std::string& token) {
    return anonymous_->Post("/v1/auth/refresh",
                            json::serialize(json::object{{"refresh_token", token}}));
  }

  // The audit rows with `action`, newest first.
  std::vector<json::value> Audit(const std::string& action) {
    const ClientResponse listed = admin_->Get("/v1/audit?action=" + action);
    EXPECT_EQ(listed.status, 200) << listed.body;
    std::vector<json::value> rows;
    const json::value page = Parse(listed);
    for (const json::value& row : page.at("data").as_array()) {
      rows.push_back(row);
    }
    return rows;
  }

  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> admin_;
  std::unique_ptr<HttpClient> anonymous_;
};

TEST_P(AuthIntegrationTest, ALoginIssuesTokensThatAuthenticateApiCalls) {
  const std::string user_id = CreateUser("Ada@Example.com");
  const ClientResponse login = Login("ada@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.headers.at("cache-control"), "no-store");
  const json::value tokens = Parse(login);
  EXPECT_EQ(tokens.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(tokens.at("expires_in").as_int64(), 900);
  EXPECT_EQ(tokens.at("refresh_expires_in").as_int64(), 30 * 24 * 3600);
  EXPECT_EQ(tokens.at("user").at("email").as_string(), "ada@example.com");
  const std::string access(tokens.at("access_token").as_string());

  HttpClient ada(server_->port(), access);
  const ClientResponse me = ada.Get("/v1/auth/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Parse(me).at("user_id").as_string(), user_id);
  EXPECT_EQ(Parse(me).at("role").as_string(), "user");
  EXPECT_EQ(Parse(me).at("subject").as_string(), "user:" + user_id);
  EXPECT_EQ(ada.Post("/v1/simulate", R"({"query":"What is 2+2?"})").status, 200);
  // A user is not an admin.
  EXPECT_EQ(ada.Get("/v1/admin/keys").status, 403);

  const std::vector<json::value> logins = Audit("auth.login");
  ASSERT_EQ(logins.size(), 1U);
  EXPECT_EQ(logins[0].at("outcome").as_string(), "success");
  EXPECT_EQ(logins[0].at("actor").as_string(), "user:" + user_id);
  EXPECT_EQ(Audit("user.create").size(), 1U);
}

TEST_P(AuthIntegrationTest, AViewersTokenCarriesTheViewerRole) {
  CreateUser("viv@example.com", "viewer");
  const ClientResponse login = Login("viv@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  HttpClient viewer(server_->port(), std::string(Parse(login).at("access_token").as_string()));
  EXPECT_EQ(viewer.Get("/v1/decisions").status, 200);
  const ClientResponse refused = viewer.Post("/v1/simulate", R"({"query":"hi"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "AUTH_FORBIDDEN");
}

TEST_P(AuthIntegrationTest, WrongPasswordsAndUnknownEmailsAreRefusedAlikeAndAudited) {
  CreateUser("bob@example.com");
  const ClientResponse wrong = Login("bob@example.com", "not the password");
  const ClientResponse unknown = Login("nobody@example.com", "whatever password");
  ASSERT_EQ(wrong.status, 401) << wrong.body;
  ASSERT_EQ(unknown.status, 401) << unknown.body;
  EXPECT_EQ(ErrorCode(wrong), "AUTH_INVALID_CREDENTIALS");
  EXPECT_EQ(ErrorCode(unknown), "AUTH_INVALID_CREDENTIALS");
  EXPECT_EQ(Parse(wrong).at("error").at("message"), Parse(unknown).at("error").at("message"));

  const std::vector<json::value> failures = Audit("auth.login");
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0].at("outcome").as_string(), "failure");
  EXPECT_EQ(failures[0].at("details").at("reason").as_string(), "unknown_email");
  EXPECT_EQ(failures[1].at("details").at("reason").as_string(), "wrong_password");
  // Missing fields are precise validation errors.
  const ClientResponse missing = anonymous_->Post("/v1/auth/login", R"({"email":"a@b.c"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ErrorCode(missing), "VALIDATION_MISSING_FIELD");
}

TEST_P(AuthIntegrationTest, RefreshRotatesAndReplayingARotatedTokenEndsTheSession) {
  CreateUser("carol@example.com");
  const ClientResponse login = Login("carol@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string first(Parse(login).at("refresh_token").as_string());

  const ClientResponse refreshed = Refresh(first);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string second(Parse(refreshed).at("refresh_token").as_string());
  const std::string access(Parse(refreshed).at("access_token").as_string());
  EXPECT_NE(second, first);
  HttpClient carol(server_->port(), access);
  EXPECT_EQ(carol.Get("/v1/auth/me").status, 200);

  // The first token again: a replay. The family dies, the newest token included.
  const ClientResponse replay = Refresh(first);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(ErrorCode(replay), "AUTH_REFRESH_TOKEN_REUSED");
  const ClientResponse after = Refresh(second);
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(ErrorCode(after), "AUTH_REFRESH_TOKEN_INVALID");
  EXPECT_EQ(Audit("auth.refresh_reuse").size(), 1U);

  // An access token is not a refresh token, and the reverse.
  const ClientResponse confused = Refresh(access);
  EXPECT_EQ(confused.status, 401) << confused.body;
  HttpClient with_refresh(server_->port(), second);
  EXPECT_EQ(with_refresh.Get("/v1/auth/me").status, 401);
}

TEST_P(AuthIntegrationTest, LogoutRevokesTheAccessTokenAndTheRefreshFamily) {
  CreateUser("dan@example.com");
  const ClientResponse login = Login("dan@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string access(Parse(login).at("access_token").as_string());
  const std::string refresh(Parse(login).at("refresh_token").as_string());
  HttpClient dan(server_->port(), access);
  const ClientResponse out =
      dan.Post("/v1/auth/logout", json::serialize(json::object{{"refresh_token", refresh}}));
  ASSERT_EQ(out.status, 204) << out.body;

  const ClientResponse revoked = dan.Get("/v1/auth/me");
  EXPECT_EQ(revoked.status, 401) << revoked.body;
  EXPECT_EQ(ErrorCode(revoked), "AUTH_TOKEN_REVOKED");
  EXPECT_EQ(Refresh(refresh).status, 401);
  EXPECT_EQ(Audit("auth.logout").size(), 1U);
  // An API key has no session to end.
  EXPECT_EQ(admin_->Post("/v1/auth/logout", "").status, 400);
}

TEST_P(AuthIntegrationTest, TheExecutionSwitchAppliesToSignedInUsersAtOnce) {
  CreateUser("sam@example.com");
  const ClientResponse login = Login("sam@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  HttpClient sam(server_->port(), std::string(Parse(login).at("access_token").as_string()));
  ASSERT_EQ(Parse(sam.Get("/v1/auth/me")).at("execution_allowed"), json::value(true));

  const ClientResponse switched = admin_->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                                                  R"({"execution_mode":"decision-only"})");
  ASSERT_EQ(switched.status, 200) << switched.body;

  EXPECT_EQ(Parse(sam.Get("/v1/auth/me")).at("execution_allowed"), json::value(false));
  ASSERT_EQ(admin_
                ->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                          R"({"execution_mode":"inherit"})")
                .status,
            200);
  EXPECT_EQ(Parse(sam.Get("/v1/auth/me")).at("execution_allowed"), json::value(true));
}

TEST_P(AuthIntegrationTest, DisablingAUserEndsTheirSessionsAtOnce) {
  const std::string user_id = CreateUser("eve@example.com");
  const ClientResponse login = Login("eve@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  HttpClient eve(server_->port(), std::string(Parse(login).at("access_token").as_string()));
  ASSERT_EQ(eve.Get("/v1/auth/me").status, 200);

  const ClientResponse disabled = admin_->Request("DELETE", "/v1/admin/users/" + user_id);
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(Parse(disabled).at("disabled_at_ms").is_null());
  EXPECT_EQ(eve.Get("/v1/auth/me").status, 401);
  EXPECT_EQ(Refresh(std::string(Parse(login).at("refresh_token").as_string())).status, 401);
  EXPECT_EQ(Login("eve@example.com").status, 401);

  const ClientResponse listed = admin_->Get("/v1/admin/users");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(Parse(listed).at("data").as_array().size(), 1U);
  EXPECT_EQ(Audit("user.disable").size(), 1U);
}

TEST_P(AuthIntegrationTest, ForgedAndAlgNoneTokensAreRefused) {
  const std::string user_id = CreateUser("mal@example.com");
  const ClientResponse login = Login("mal@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string genuine(Parse(login).at("access_token").as_string());
  const std::string payload =
      genuine.substr(genuine.find('.') + 1, genuine.rfind('.') - genuine.find('.') - 1);

  // alg "none" with the genuine claims and no signature.
  const std::string none = B64(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  // The genuine header and claims with the role raised, keeping the old signature.
  const std::optional<std::string> claims = auth::DecodeBase64Url(payload);
  ASSERT_TRUE(claims.has_value());
  json::object raised = json::parse(*claims).as_object();
  raised["role"] = "admin";
  const std::string tampered = genuine.substr(0, genuine.find('.')) + "."
                               + B64(json::serialize(raised)) + genuine.substr(genuine.rfind('.'));
  // Well-formed, signed with another secret.
  Result<auth::JwtKey> other = auth::JwtKey::Hs256("another-secret-of-at-least-32-bytes!!");
  ASSERT_TRUE(other.has_value());
  Result<auth::JwtSigner> signer = auth::JwtSigner::Create(*other);
  ASSERT_TRUE(signer.has_value());
  auth::JwtClaims forged_claims;
  forged_claims.iss = "amaima";
  forged_claims.sub = user_id;
  forged_claims.org = "default";
  forged_claims.role = "admin";
  forged_claims.jti = "forged";
  forged_claims.iat = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  forged_claims.exp = forged_claims.iat + std::chrono::minutes(5);
  const std::string forged = *signer->Sign(forged_claims);

  for (const std::string& token : {none, tampered, forged}) {
    HttpClient attacker(server_->port(), token);
    const ClientResponse refused = attacker.Get("/v1/admin/keys");
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_EQ(ErrorCode(refused).rfind("AUTH_TOKEN_", 0), 0U) << refused.body;
  }
}

TEST_P(AuthIntegrationTest, SecretsNeverReachTheLog) {
  CreateUser("fay@example.com");
  const ClientResponse login = Login("fay@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string refresh(Parse(login).at("refresh_token").as_string());
  ASSERT_EQ(Refresh(refresh).status, 200);
  ASSERT_EQ(Login("fay@example.com", "a wrong password").status, 401);
  server_->Signal(SIGTERM);
  server_->Wait();
  const std::string log = ReadAll(data_dir_ + "/server.log");
  ASSERT_NE(log.find("listening"), std::string::npos) << "the log was not captured";
  EXPECT_EQ(log.find(kPassword), std::string::npos);
  EXPECT_EQ(log.find("a wrong password"), std::string::npos);
  EXPECT_EQ(log.find(refresh), std::string::npos);
  EXPECT_EQ(log.find(Parse(login).at("access_token").as_string()), std::string::npos);
  EXPECT_EQ(log.find("integration-test-secret"), std::string::npos);
}

class LoginThrottleTest : public AuthIntegrationTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    StartServer({"AMAIMA_AUTH__LOGIN_ATTEMPTS_PER_MINUTE=3",
                 "AMAIMA_AUTH__JWT_SECRET=integration-test-secret-of-at-least-32-bytes"});
  }
};

TEST_P(LoginThrottleTest, GuessingPasswordsIsThrottledPerEmail) {
  CreateUser("gus@example.com");
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(Login("gus@example.com", "guess " + std::to_string(attempt)).status, 401);
  }
  // Even the right password waits now: the attacker cannot tell which guess was right.
  const ClientResponse throttled = Login("gus@example.com");
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(ErrorCode(throttled), "RATE_LIMIT_EXCEEDED");
  ASSERT_EQ(throttled.headers.count("retry-after"), 1U);
  EXPECT_GE(std::stoi(throttled.headers.at("retry-after")), 1);
  const std::vector<json::value> rows = Audit("auth.login");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].at("details").at("reason").as_string(), "throttled");
}

TEST_P(AuthIntegrationTest, Rs256KeysFromFilesSignAndAlgorithmConfusionIsRefused) {
  const TestKeyPems& pems = TestRsa2048();
  const std::string dir = MakeTempDir();
  const std::string key_file = dir + "/jwt.pem";
  std::ofstream(key_file) << pems.private_pem;
  StartServer(
      {"AMAIMA_AUTH__JWT_ALGORITHM=RS256", "AMAIMA_AUTH__JWT_PRIVATE_KEY_FILE=" + key_file});
  const std::string user_id = CreateUser("rsa@example.com");
  const ClientResponse login = Login("rsa@example.com");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string access(Parse(login).at("access_token").as_string());
  const std::optional<std::string> header =
      auth::DecodeBase64Url(access.substr(0, access.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(json::parse(*header).at("alg").as_string(), "RS256");
  HttpClient rsa(server_->port(), access);
  EXPECT_EQ(rsa.Get("/v1/auth/me").status, 200);

  // HS256 "signed" with the public key as the HMAC secret: the classic confusion attack.
  Result<auth::JwtKey> confused = auth::JwtKey::Hs256(pems.public_pem);
  ASSERT_TRUE(confused.has_value());
  auth::JwtClaims claims;
  claims.iss = "amaima";
  claims.sub = user_id;
  claims.org = "default";
  claims.role = "admin";
  claims.jti = "confused";
  claims.iat = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  claims.exp = claims.iat + std::chrono::minutes(5);
  HttpClient attacker(server_->port(), *auth::JwtSigner::Create(*confused)->Sign(claims));
  const ClientResponse refused = attacker.Get("/v1/admin/keys");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "AUTH_TOKEN_INVALID");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthIntegrationTest, ::testing::ValuesIn(kAllBackends),
                         BackendTestName);
INSTANTIATE_TEST_SUITE_P(Backends, LoginThrottleTest, ::testing::ValuesIn(kAllBackends),
                         BackendTestName);

}  // namespace
}  // namespace amaima::testing
