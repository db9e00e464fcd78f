// Governance end to end on the real binary: API keys and roles on every route, the admin
// API, the per-organisation execution switch, and the audit chain checked by
// `amaima audit verify` after the database is tampered with.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "test/support/backends.h"
#include "test/support/http_client.h"
#include "test/support/postgres_server.h"
#include "test/support/server_process.h"
#include "test/support/test_credentials.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

json::value Parse(const ClientResponse& response) {
  return json::parse(response.body);
}

std::string ErrorCode(const ClientResponse& response) {
  return std::string(Parse(response).at("error").at("code").as_string());
}

// The roles each route admits: seed 001 §8.1 mapped onto the routes (docs/governance.md).
// A route missing here fails the test, so every new route must declare its roles.
const std::map<std::string, std::set<std::string>>& ExpectedRoles() {
  static const std::map<std::string, std::set<std::string>> roles = {
      {"GET /health/live", {"anonymous", "viewer", "user", "admin"}},
      {"GET /health/ready", {"anonymous", "viewer", "user", "admin"}},
      {"GET /v1/health", {"anonymous", "viewer", "user", "admin"}},
      {"POST /v1/simulate", {"user", "admin"}},
      {"POST /v1/query", {"user", "admin"}},
      {"POST /v1/execute", {"user", "admin"}},
      {"POST /v1/feedback", {"user", "admin"}},
      {"POST /v1/chat/completions", {"user", "admin"}},
      {"POST /v1/embeddings", {"user", "admin"}},
      {"POST /v1/messages", {"user", "admin"}},
      {"GET /v1/ws", {"user", "admin"}},
      {"GET /v1/decisions", {"viewer", "user", "admin"}},
      {"GET /v1/decisions/{id}", {"viewer", "user", "admin"}},
      {"GET /v1/decisions/{id}/executions", {"viewer", "user", "admin"}},
      {"GET /v1/models", {"viewer", "user", "admin"}},
      {"GET /metrics", {"viewer", "user", "admin"}},
      {"GET /v1/audit", {"admin"}},
      {"GET /v1/admin/orgs", {"admin"}},
      {"POST /v1/admin/orgs", {"admin"}},
      {"PUT /v1/admin/orgs/{id}/execution-mode", {"admin"}},
      {"GET /v1/admin/keys", {"admin"}},
      {"POST /v1/admin/keys", {"admin"}},
      {"DELETE /v1/admin/keys/{id}", {"admin"}},
      {"GET /v1/admin/routes", {"admin"}},
      {"PUT /v1/admin/budgets", {"admin"}},
      {"GET /v1/admin/budgets", {"admin"}},
      {"DELETE /v1/admin/budgets/{id}", {"admin"}},
      {"GET /v1/budgets", {"viewer", "user", "admin"}},
      {"POST /v1/auth/login", {"anonymous", "viewer", "user", "admin"}},
      {"POST /v1/auth/refresh", {"anonymous", "viewer", "user", "admin"}},
      {"POST /v1/auth/logout", {"viewer", "user", "admin"}},
      {"GET /v1/auth/me", {"viewer", "user", "admin"}},
      {"GET /v1/admin/users", {"admin"}},
      {"POST /v1/admin/users", {"admin"}},
      {"DELETE /v1/admin/users/{id}", {"admin"}},
  };
  return roles;
}

// Runs on both deployments: SQLite with in-process limits, and PostgreSQL with Redis (the CLI
// is given the same environment as the server).
class GovernanceIntegrationTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    data_dir_ = MakeTempDir();
    server_ = std::make_unique<ServerProcess>(data_dir_, std::vector<std::string>{}, backend_env_);
    server_->Start();
    admin_ = std::make_unique<HttpClient>(server_->port());
  }

  // Creates a key through the admin API and returns its secret.
  std::string CreateKey(const std::string& role, const std::string& org = "") {
    json::object body{{"role", role}, {"name", role + " key"}};
    if (!org.empty()) {
      body["org_id"] = org;
    }
    const ClientResponse created = admin_->Post("/v1/admin/keys", json::serialize(body));
    EXPECT_EQ(created.status, 201) << created.body;
    return std::string(Parse(created).at("key").as_string());
  }

  // Rewrites history behind the server's back: runs `sql` on its database.
  void Tamper(const std::string& sql) {
    if (GetParam() == Backend::kEmbedded) {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open((data_dir_ + "/amaima.db").c_str(), &db), SQLITE_OK);
      ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
      return;
    }
    constexpr std::string_view kUrlVariable = "AMAIMA_STORAGE__POSTGRES_URL=";
    for (const std::string& entry : backend_env_) {
      if (entry.starts_with(kUrlVariable)) {
        Result<PostgresServer*> postgres = SharedPostgresServer();
        ASSERT_TRUE(postgres.has_value());
        const Status done = (*postgres)->Exec(entry.substr(kUrlVariable.size()), sql);
        ASSERT_TRUE(done.has_value()) << done.error().message;
        return;
      }
    }
    FAIL() << "no PostgreSQL URL in the backend's environment";
  }

  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> admin_;
};

TEST_P(GovernanceIntegrationTest, EveryRouteAdmitsExactlyTheRolesOfTheMatrix) {
  std::map<std::string, std::unique_ptr<HttpClient>> clients;
  clients["anonymous"] = std::make_unique<HttpClient>(server_->port(), "");
  for (const std::string role : {"viewer", "user", "admin"}) {
    clients[role] = std::make_unique<HttpClient>(server_->port(), CreateKey(role));
  }
  const ClientResponse listed = admin_->Get("/v1/admin/routes");
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::set<std::string> seen;
  const json::value routes = Parse(listed);
  for (const json::value& route : routes.at("data").as_array()) {
    const std::string method(route.at("method").as_string());
    std::string path(route.at("pattern").as_string());
    const std::string name = method + " " + path;
    seen.insert(name);
    const auto expected = ExpectedRoles().find(name);
    ASSERT_NE(expected, ExpectedRoles().end()) << name << " is not in the test's matrix";
    for (const std::string placeholder : {"{id}"}) {
      if (const auto at = path.find(placeholder); at != std::string::npos) {
        path.replace(at, placeholder.size(), "does-not-exist");
      }
    }
    for (const auto& [role, client] : clients) {
      SCOPED_TRACE(name + " as " + role);
      const ClientResponse answer = client->Request(method, path, "{}");
      const bool allowed = expected->second.contains(role);
      if (allowed) {
        EXPECT_NE(answer.status, 401) << answer.body;
        EXPECT_NE(answer.status, 403) << answer.body;
      } else if (role == "anonymous") {
        EXPECT_EQ(answer.status, 401) << answer.body;
        EXPECT_EQ(ErrorCode(answer), "AUTH_REQUIRED");
        EXPECT_EQ(answer.headers.count("www-authenticate"), 1U);
      } else {
        EXPECT_EQ(answer.status, 403) << answer.body;
        EXPECT_EQ(ErrorCode(answer), "AUTH_FORBIDDEN");
      }
    }
  }
  EXPECT_EQ(seen.size(), ExpectedRoles().size()) << "a route of the matrix is not served";
}

TEST_P(GovernanceIntegrationTest, AScopedKeyMayUseOnlyItsScopes) {
  const ClientResponse created = admin_->Post(
      "/v1/admin/keys", R"({"role":"user","name":"ci","scopes":["query","read_analytics"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::serialize(Parse(created).at("scopes")), R"(["query","read_analytics"])");
  HttpClient scoped(server_->port(), std::string(Parse(created).at("key").as_string()));
  EXPECT_EQ(scoped.Post("/v1/simulate", R"({"query":"hi"})").status, 200);
  EXPECT_EQ(scoped.Get("/v1/models").status, 200);
  const ClientResponse refused = scoped.Get("/v1/decisions");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "AUTH_FORBIDDEN");
  EXPECT_NE(refused.body.find("scopes"), std::string::npos) << refused.body;
  // An unknown scope, and a scope beyond the key's role, are refused at creation.
  for (const std::string body :
       {R"({"role":"user","scopes":["ci"]})", R"({"role":"user","scopes":["manage_keys"]})"}) {
    const ClientResponse bad = admin_->Post("/v1/admin/keys", body);
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(ErrorCode(bad), "VALIDATION_INVALID_VALUE");
  }
}

TEST_P(GovernanceIntegrationTest, BadCredentialsAreRefusedAlikeAndRevocationIsImmediate) {
  HttpClient stranger(server_->port(), "amk_0000000000000000000000000000000000000000000000000");
  const ClientResponse refused = stranger.Post("/v1/simulate", R"({"query":"hi"})");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(ErrorCode(refused), "AUTH_INVALID_API_KEY");
  EXPECT_EQ(Parse(refused).at("error").at("request_id").as_string().empty(), false);

  const ClientResponse created = admin_->Post("/v1/admin/keys", R"({"role":"user","name":"ci"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value key = Parse(created);
  const std::string secret(key.at("key").as_string());
  EXPECT_EQ(key.at("prefix").as_string(), secret.substr(0, 12));
  HttpClient user(server_->port(), secret);
  EXPECT_EQ(user.Post("/v1/simulate", R"({"query":"hi"})").status, 200);
  // The Anthropic SDK's header works as well as a bearer token.
  HttpClient header_user(server_->port(), "");
  EXPECT_EQ(header_user
                .Request("POST", "/v1/simulate", R"({"query":"hi"})", "application/json",
                         {{"x-api-key", secret}})
                .status,
            200);

  const ClientResponse listed = admin_->Get("/v1/admin/keys");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "a listing shows a secret";

  const std::string key_id(key.at("key_id").as_string());
  const ClientResponse revoked = admin_->Request("DELETE", "/v1/admin/keys/" + key_id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(Parse(revoked).at("revoked_at_ms").is_int64());
  const ClientResponse after = user.Post("/v1/simulate", R"({"query":"hi"})");
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(ErrorCode(after), "AUTH_INVALID_API_KEY");
}

TEST_P(GovernanceIntegrationTest, AnOrgAdminSeesAndManagesOnlyItsOrg) {
  ASSERT_EQ(admin_->Post("/v1/admin/orgs", R"({"org_id":"acme","name":"Acme"})").status, 201);
  ASSERT_EQ(admin_->Post("/v1/admin/orgs", R"({"org_id":"globex"})").status, 201);
  EXPECT_EQ(ErrorCode(admin_->Post("/v1/admin/orgs", R"({"org_id":"Not Valid"})")),
            "VALIDATION_INVALID_VALUE");
  HttpClient acme(server_->port(), CreateKey("admin", "acme"));
  const ClientResponse foreign =
      acme.Post("/v1/admin/keys", R"({"role":"user","org_id":"globex"})");
  EXPECT_EQ(foreign.status, 403);
  const ClientResponse orgs = acme.Get("/v1/admin/orgs");
  ASSERT_EQ(orgs.status, 200);
  ASSERT_EQ(Parse(orgs).at("data").as_array().size(), 1U);
  const ClientResponse audit = acme.Get("/v1/audit");
  ASSERT_EQ(audit.status, 200);
  const json::value rows = Parse(audit);
  for (const json::value& row : rows.at("data").as_array()) {
    EXPECT_EQ(row.at("org_id").as_string(), "acme");
  }
}

TEST_P(GovernanceIntegrationTest, TheExecutionSwitchIsAuditedAndTheChainVerifies) {
  const ClientResponse switched = admin_->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                                                  R"({"execution_mode":"decision-only"})");
  ASSERT_EQ(switched.status, 200) << switched.body;
  EXPECT_EQ(Parse(switched).at("execution_mode").as_string(), "decision-only");
  EXPECT_EQ(admin_
                ->Request("PUT", "/v1/admin/orgs/default/execution-mode",
                          R"({"execution_mode":"always"})")
                .status,
            400);
  const ClientResponse audit = admin_->Get("/v1/audit?action=org.execution_mode");
  ASSERT_EQ(audit.status, 200);
  const json::array rows = Parse(audit).at("data").as_array();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].at("details").at("to").as_string(), "decision-only");
  EXPECT_TRUE(rows[0].at("actor").as_string().starts_with("key:"));
  const ClientResponse page = admin_->Get("/v1/audit?limit=1");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(Parse(page).at("next_cursor").is_string());
  EXPECT_EQ(admin_->Get("/v1/audit?limit=0").status, 400);

  const std::vector<std::string> verify = {"audit", "verify", "--data-dir", data_dir_};
  auto [intact_code, intact] = RunCommand(verify, backend_env_);
  EXPECT_EQ(intact_code, 0) << intact;
  EXPECT_NE(intact.find("intact"), std::string::npos) << intact;

  // Someone with access to the database rewrites history.
  Tamper("UPDATE audit_log SET actor = 'system' WHERE seq = 2");
  auto [broken_code, broken] = RunCommand(verify, backend_env_);
  EXPECT_EQ(broken_code, 1) << broken;
  EXPECT_NE(broken.find("BROKEN at row 2"), std::string::npos) << broken;
}

TEST_P(GovernanceIntegrationTest, TheCliCreatesKeysThatTheServerAccepts) {
  auto [code, out] = RunCommand(
      {"keys", "create", "--org", "initech", "--role", "viewer", "--data-dir", data_dir_},
      backend_env_);
  ASSERT_EQ(code, 0) << out;
  const std::string secret(json::parse(out).at("key").as_string());
  HttpClient viewer(server_->port(), secret);
  EXPECT_EQ(viewer.Get("/v1/decisions").status, 200);
  EXPECT_EQ(viewer.Post("/v1/simulate", R"({"query":"hi"})").status, 403);
  auto [list_code, listed] =
      RunCommand({"keys", "list", "--org", "initech", "--data-dir", data_dir_}, backend_env_);
  EXPECT_EQ(list_code, 0);
  EXPECT_EQ(listed.find(secret), std::string::npos);
  EXPECT_NE(listed.find("viewer"), std::string::npos);
}

// Seed 001 §8.1: users and viewers see their own decisions (read_own_decisions), admins their
// organisation's (read_org_decisions), the system organisation's admins every one.
TEST_P(GovernanceIntegrationTest, DecisionsAreVisibleToTheirCallerAndTheirOrgsAdmins) {
  ASSERT_EQ(admin_->Post("/v1/admin/orgs", R"({"org_id":"acme"})").status, 201);
  ASSERT_EQ(admin_->Post("/v1/admin/orgs", R"({"org_id":"globex"})").status, 201);
  HttpClient acme_user(server_->port(), CreateKey("user", "acme"));
  HttpClient acme_colleague(server_->port(), CreateKey("user", "acme"));
  HttpClient acme_viewer(server_->port(), CreateKey("viewer", "acme"));
  HttpClient acme_admin(server_->port(), CreateKey("admin", "acme"));
  HttpClient globex_admin(server_->port(), CreateKey("admin", "globex"));
  const ClientResponse decided = acme_user.Post("/v1/simulate", R"({"query":"hello"})");
  ASSERT_EQ(decided.status, 200) << decided.body;
  ASSERT_EQ(acme_colleague.Post("/v1/simulate", R"({"query":"good morning"})").status, 200);
  const json::value decision = Parse(decided);
  EXPECT_EQ(decision.at("org_id").as_string(), "acme");
  const std::string id(decision.at("decision_id").as_string());
  const std::string path = "/v1/decisions/" + id;

  EXPECT_EQ(acme_user.Get(path).status, 200);
  EXPECT_EQ(acme_user.Get(path + "/executions").status, 200);
  EXPECT_EQ(acme_admin.Get(path).status, 200);
  EXPECT_EQ(admin_->Get(path).status, 200);
  // A hidden decision answers exactly as one that does not exist.
  const std::string unknown_id = "00000000-0000-4000-8000-000000000000";
  const ClientResponse unknown = acme_user.Get("/v1/decisions/" + unknown_id);
  ASSERT_EQ(unknown.status, 404);
  const auto message = [](const ClientResponse& response) {
    return std::string(Parse(response).at("error").at("message").as_string());
  };
  for (HttpClient* other : {&acme_colleague, &acme_viewer, &globex_admin}) {
    const ClientResponse hidden = other->Get(path);
    EXPECT_EQ(hidden.status, 404) << hidden.body;
    EXPECT_EQ(ErrorCode(hidden), ErrorCode(unknown));
    EXPECT_EQ(ErrorCode(hidden), "QUERY_DECISION_NOT_FOUND");
    EXPECT_EQ(message(hidden), "no decision with id '" + id + "'");
    EXPECT_EQ(message(unknown), "no decision with id '" + unknown_id + "'");
    EXPECT_EQ(other->Get(path + "/executions").status, 404);
  }
  const std::string feedback = R"({"decision_id":")" + id + R"(","rating":5})";
  EXPECT_EQ(globex_admin.Post("/v1/feedback", feedback).status, 404);
  EXPECT_EQ(acme_colleague.Post("/v1/feedback", feedback).status, 404);
  EXPECT_EQ(acme_user.Post("/v1/feedback", feedback).status, 201);
  EXPECT_EQ(acme_colleague.Post("/v1/execute", R"({"decision_id":")" + id + R"("})").status, 404);

  const auto listed = [](HttpClient& client) {
    const ClientResponse page = client.Get("/v1/decisions?limit=50");
    EXPECT_EQ(page.status, 200);
    const json::value body = json::parse(page.body);  // Outlives the loop over its array.
    std::set<std::string> ids;
    for (const json::value& item : body.at("data").as_array()) {
      ids.insert(std::string(item.at("decision_id").as_string()));
    }
    return ids;
  };
  EXPECT_EQ(listed(acme_user), std::set<std::string>{id});
  EXPECT_EQ(listed(acme_colleague).size(), 1U);
  EXPECT_FALSE(listed(acme_colleague).contains(id));
  EXPECT_TRUE(listed(acme_viewer).empty());
  EXPECT_EQ(listed(acme_admin).size(), 2U);
  EXPECT_TRUE(listed(globex_admin).empty());
  EXPECT_EQ(listed(*admin_).size(), 2U);
}

INSTANTIATE_TEST_SUITE_P(Backends, GovernanceIntegrationTest, ::testing::ValuesIn(kAllBackends),
                         BackendTestName);

TEST(GovernanceRateLimitTest, AKeyOverItsLimitGets429WithRetryAfterAndOthersDoNot) {
  const std::string data_dir = MakeTempDir();
  ServerProcess server(data_dir, {},
                       {"AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE=3",
                        "AMAIMA_API__RATE_LIMITING__BURST_MULTIPLIER=1",
                        "AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE=10000"});
  server.Start();
  HttpClient admin(server.port());
  const ClientResponse created = admin.Post("/v1/admin/keys", R"({"role":"user"})");
  ASSERT_EQ(created.status, 201) << created.body;
  HttpClient user(server.port(), std::string(Parse(created).at("key").as_string()));
  for (int i = 0; i < 3; ++i) {
    const ClientResponse ok = user.Post("/v1/simulate", R"({"query":"hi"})");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.headers.at("x-ratelimit-limit"), "3");
    EXPECT_EQ(ok.headers.at("x-ratelimit-remaining"), std::to_string(2 - i));
  }
  const ClientResponse limited = user.Post("/v1/simulate", R"({"query":"hi"})");
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(ErrorCode(limited), "RATE_LIMIT_EXCEEDED");
  const int retry_after = std::stoi(limited.headers.at("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 20);  // one token of 3 per minute
  EXPECT_EQ(limited.headers.at("x-ratelimit-remaining"), "0");
  // Another key has its own bucket (the admin key made 1 request so far).
  EXPECT_EQ(admin.Post("/v1/simulate", R"({"query":"hi"})").status, 200);
}

TEST(GovernanceRateLimitTest, GuessingKeysIsThrottledPerAddress) {
  const std::string data_dir = MakeTempDir();
  ServerProcess server(data_dir, {},
                       {"AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE=5",
                        "AMAIMA_API__RATE_LIMITING__BURST_MULTIPLIER=1"});
  server.Start();
  HttpClient guesser(server.port(), "amk_guess-000000000000000000000000000000000000000");
  int unauthorised = 0;
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    const ClientResponse answer = guesser.Post("/v1/simulate", R"({"query":"hi"})");
    unauthorised += answer.status == 401 ? 1 : 0;
    limited += answer.status == 429 ? 1 : 0;
  }
  EXPECT_EQ(unauthorised, 5);
  EXPECT_EQ(limited, 3);
  // Health probes are public and never limited.
  EXPECT_EQ(guesser.Get("/health/live").status, 200);
}

}  // namespace
}  // namespace amaima::testing
