// One suite for every back end: the contracts of UserStore and BudgetStore, as their interface
// comments state them, run against SQLite (a temporary file) and PostgreSQL (a fresh schema on
// a throwaway server, test/support/postgres_server.h); and the executions' `actor` column on
// both. Concurrency tests open several stores on one database, as several replicas (or, on
// SQLite, several connections) would.
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <latch>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/storage/budget_store.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/governance_store.h"
#include "amaima/storage/postgres/pg_connection.h"
#include "amaima/storage/postgres/pg_migrations.h"
#include "amaima/storage/postgres/postgres_budget_store.h"
#include "amaima/storage/postgres/postgres_decision_store.h"
#include "amaima/storage/postgres/postgres_governance_store.h"
#include "amaima/storage/postgres/postgres_user_store.h"
#include "amaima/storage/sqlite/sqlite_budget_store.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"
#include "amaima/storage/sqlite/sqlite_user_store.h"
#include "amaima/storage/user_store.h"
#include "test/support/postgres_server.h"

namespace amaima::storage {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14; tests that check results
// field by field exceed the threshold without being complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

constexpr std::string_view kTokenInvalid = "AUTH_REFRESH_TOKEN_INVALID";

// Turns Result<std::unique_ptr<Derived>> into Result<std::unique_ptr<Base>>.
template <typename Base, typename Derived>
Result<std::unique_ptr<Base>> Upcast(Result<std::unique_ptr<Derived>> store) {
  if (!store) {
    return store.error();
  }
  return std::unique_ptr<Base>(std::move(*store));
}

// --- Back ends ----------------------------------------------------------------------------

// SQLite: every store on one temporary file, as the server runs them.
class SqliteBackend {
 public:
  static constexpr std::string_view kName = "Sqlite";

  Status Prepare() { return {}; }

  Result<std::unique_ptr<UserStore>> OpenUserStore() {
    return Upcast<UserStore>(SqliteUserStore::Open(path_));
  }

  Result<std::unique_ptr<BudgetStore>> OpenBudgetStore() {
    return Upcast<BudgetStore>(SqliteBudgetStore::Open(path_));
  }

  Result<std::unique_ptr<GovernanceStore>> OpenGovernanceStore() {
    return Upcast<GovernanceStore>(SqliteGovernanceStore::Open(path_));
  }

  Result<std::unique_ptr<DecisionStore>> OpenDecisionStore() {
    SqliteOptions options;
    options.path = path_;
    return Upcast<DecisionStore>(SqliteDecisionStore::Open(options));
  }

  // Runs `sql` on the file directly, as someone with access would.
  Status RawSql(const std::string& sql) {
    Result<SqliteConnection> db = OpenSqliteConnection(path_, SQLITE_OPEN_READWRITE);
    if (!db) {
      return db.error();
    }
    return ExecSql(db->get(), sql.c_str());
  }

 private:
  TempDir dir_;
  std::string path_{dir_.File("amaima.db")};
};

// PostgreSQL: every store on a fresh schema (search_path) of the process's throwaway server,
// each with its own pool (as separate replicas have).
class PostgresBackend {
 public:
  static constexpr std::string_view kName = "Postgres";

  PostgresBackend() = default;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;
  PostgresBackend(PostgresBackend&&) = delete;
  PostgresBackend& operator=(PostgresBackend&&) = delete;

  ~PostgresBackend() {
    if (server_ != nullptr && !url_.empty()) {
      (void)server_->Drop(url_);
    }
  }

  // kNotFound when PostgreSQL is not installed (the test skips unless it is required).
  Status Prepare() {
    Result<testing::PostgresServer*> server = testing::SharedPostgresServer();
    if (!server) {
      return server.error();
    }
    server_ = *server;
    Result<std::string> url = server_->CreateSchema();
    if (!url) {
      return url.error();
    }
    url_ = *url;
    return {};
  }

  PgOptions Options() const {
    PgOptions options;
    options.url = url_;
    options.pool_size = 4;
    return options;
  }

  Result<std::unique_ptr<UserStore>> OpenUserStore() const {
    return Upcast<UserStore>(PostgresUserStore::Open(Options()));
  }

  Result<std::unique_ptr<BudgetStore>> OpenBudgetStore() const {
    return Upcast<BudgetStore>(PostgresBudgetStore::Open(Options()));
  }

  Result<std::unique_ptr<GovernanceStore>> OpenGovernanceStore() const {
    return Upcast<GovernanceStore>(PostgresGovernanceStore::Open(Options()));
  }

  Result<std::unique_ptr<DecisionStore>> OpenDecisionStore() const {
    return Upcast<DecisionStore>(PostgresDecisionStore::Open(Options()));
  }

  Status RawSql(const std::string& sql) { return server_->Exec(url_, sql); }

  Result<std::string> QueryValue(const std::string& sql) { return server_->QueryValue(url_, sql); }

 private:
  testing::PostgresServer* server_{nullptr};
  std::string url_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

struct BackendName {
  template <typename Backend>
  static std::string GetName(int /*index*/) {
    return std::string(Backend::kName);
  }
};

// Prepares the back end (skips when PostgreSQL is not installed and not required) and creates
// the organisations "acme" and "globex".
template <typename Backend>
class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status ready = backend_.Prepare();
    if (!ready) {
      if (ready.error().code == ErrorCode::kNotFound && !testing::PostgresRequired()) {
        GTEST_SKIP() << ready.error().message;
      }
      FAIL() << ready.error().message;
    }
    Result<std::unique_ptr<GovernanceStore>> governance = backend_.OpenGovernanceStore();
    ASSERT_TRUE(governance) << governance.error().message;
    for (const char* org : {"acme", "globex"}) {
      const Status inserted = (*governance)->InsertOrg({org, org, "", 1000});
      ASSERT_TRUE(inserted) << inserted.error().message;
    }
  }

  // Ready to use: not skipped, no failure so far.
  bool Ready() const { return !IsSkipped() && !HasFailure(); }

  Backend backend_;
};

// --- UserStore ------------------------------------------------------------------------------

StoredUser User(std::string id, std::string email, std::int64_t created, std::string org = "acme") {
  return {std::move(id), std::move(org), std::move(email), Role::kUser, "$argon2id$x", created, {}};
}

StoredRefreshToken Token(std::string id, std::string family, std::int64_t expires,
                         std::string user = "u1") {
  return {std::move(id), std::move(family), std::move(user), 100, expires, {}, {}};
}

template <typename Backend>
class UserStoreConformanceTest : public BackendTest<Backend> {
 protected:
  void SetUp() override {
    BackendTest<Backend>::SetUp();
    if (!this->Ready()) {
      return;
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<UserStore> Open() {
    Result<std::unique_ptr<UserStore>> store = this->backend_.OpenUserStore();
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Inserts u1 (acme) and the token "t1" of family "f1", valid until 5000.
  void InsertUserWithToken() {
    const Status user = store_->InsertUser(User("u1", "ada@example.com", 10));
    ASSERT_TRUE(user) << user.error().message;
    const Status token = store_->InsertRefreshToken(Token("t1", "f1", 5000));
    ASSERT_TRUE(token) << token.error().message;
  }

  std::unique_ptr<UserStore> store_;
};

TYPED_TEST_SUITE(UserStoreConformanceTest, Backends, BackendName);

TYPED_TEST(UserStoreConformanceTest, UsersRoundTripAndAreFoundByIdAndEmail) {
  StoredUser admin = User("u1", "ada@example.com", 10);
  admin.role = Role::kAdmin;
  StoredUser disabled = User("u2", "bob@example.com", 20, "globex");
  disabled.role = Role::kViewer;
  disabled.disabled_at_ms = 30;
  ASSERT_TRUE(this->store_->InsertUser(admin));
  ASSERT_TRUE(this->store_->InsertUser(disabled));

  const Result<StoredUser> by_id = this->store_->GetUser("u1");
  const Result<StoredUser> by_email = this->store_->FindUserByEmail("bob@example.com");

  ASSERT_TRUE(by_id) << by_id.error().message;
  EXPECT_EQ(*by_id, admin);
  ASSERT_TRUE(by_email) << by_email.error().message;
  EXPECT_EQ(*by_email, disabled);
  EXPECT_EQ(this->store_->GetUser("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->FindUserByEmail("eve@example.com").error().code, ErrorCode::kNotFound);
  // Emails are compared exactly: the caller lower-cases them.
  EXPECT_EQ(this->store_->FindUserByEmail("ADA@example.com").error().code, ErrorCode::kNotFound);
}

TYPED_TEST(UserStoreConformanceTest, DuplicateIdsAndEmailsAndUnknownOrgsAreRefused) {
  ASSERT_TRUE(this->store_->InsertUser(User("u1", "ada@example.com", 10)));

  // The email is unique across organisations.
  const Status same_email = this->store_->InsertUser(User("u2", "ada@example.com", 11, "globex"));
  const Status same_id = this->store_->InsertUser(User("u1", "other@example.com", 12));
  const Status no_org = this->store_->InsertUser(User("u3", "eve@example.com", 13, "nowhere"));

  ASSERT_FALSE(same_email);
  EXPECT_EQ(same_email.error().code, ErrorCode::kAlreadyExists);
  ASSERT_FALSE(same_id);
  EXPECT_EQ(same_id.error().code, ErrorCode::kAlreadyExists);
  ASSERT_FALSE(no_org);
  EXPECT_EQ(no_org.error().code, ErrorCode::kNotFound);
  const Result<std::vector<StoredUser>> all = this->store_->ListUsers("");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front(), User("u1", "ada@example.com", 10));
}

TYPED_TEST(UserStoreConformanceTest, ListsUsersOfAnOrgOrOfAllNewestFirst) {
  ASSERT_TRUE(this->store_->InsertUser(User("u1", "a@example.com", 10)));
  ASSERT_TRUE(this->store_->InsertUser(User("u3", "c@example.com", 20)));
  ASSERT_TRUE(this->store_->InsertUser(User("u2", "b@example.com", 20)));  // Same time as u3.
  ASSERT_TRUE(this->store_->InsertUser(User("g1", "g@example.com", 15, "globex")));

  const Result<std::vector<StoredUser>> acme = this->store_->ListUsers("acme");
  const Result<std::vector<StoredUser>> all = this->store_->ListUsers("");

  ASSERT_TRUE(acme) << acme.error().message;
  std::vector<std::string> ids;
  for (const StoredUser& user : *acme) {
    ids.push_back(user.user_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"u3", "u2", "u1"}));
  ASSERT_TRUE(all) << all.error().message;
  ids.clear();
  for (const StoredUser& user : *all) {
    ids.push_back(user.user_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"u3", "u2", "g1", "u1"}));
  EXPECT_TRUE(this->store_->ListUsers("nowhere")->empty());
}

TYPED_TEST(UserStoreConformanceTest, SetsThePasswordHashOfKnownUsersOnly) {
  ASSERT_TRUE(this->store_->InsertUser(User("u1", "a@example.com", 10)));
  ASSERT_TRUE(this->store_->InsertUser(User("u2", "b@example.com", 10)));

  ASSERT_TRUE(this->store_->SetPasswordHash("u1", "$argon2id$y"));
  const Status unknown = this->store_->SetPasswordHash("nobody", "h");

  EXPECT_EQ(this->store_->GetUser("u1")->password_hash, "$argon2id$y");
  EXPECT_EQ(this->store_->GetUser("u2")->password_hash, "$argon2id$x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(UserStoreConformanceTest, DisablingRevokesEveryTokenOfTheUserAndKeepsTheFirstTime) {
  this->InsertUserWithToken();
  ASSERT_TRUE(this->store_->InsertUser(User("u2", "b@example.com", 10)));
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("t2", "f2", 5000)));  // A second login.
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("early", "f3", 5000)));
  ASSERT_EQ(*this->store_->RevokeRefreshFamily("f3", 50), 1);
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("theirs", "g", 5000, "u2")));

  ASSERT_TRUE(this->store_->DisableUser("u1", 300));
  ASSERT_TRUE(this->store_->DisableUser("u1", 400));
  const Status unknown = this->store_->DisableUser("nobody", 1);

  EXPECT_EQ(this->store_->GetUser("u1")->disabled_at_ms, 300);
  EXPECT_EQ(this->store_->GetRefreshToken("t1")->revoked_at_ms, 300);
  EXPECT_EQ(this->store_->GetRefreshToken("t2")->revoked_at_ms, 300);
  EXPECT_EQ(this->store_->GetRefreshToken("early")->revoked_at_ms, 50);  // Already revoked.
  EXPECT_FALSE(this->store_->GetRefreshToken("theirs")->revoked_at_ms.has_value());
  EXPECT_FALSE(this->store_->GetUser("u2")->disabled_at_ms.has_value());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  const Result<StoredRefreshToken> rotated =
      this->store_->RotateRefreshToken("t1", Token("t9", "f1", 6000), 310);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().reason, kTokenInvalid);
}

TYPED_TEST(UserStoreConformanceTest, TokensRoundTripAndDuplicatesAndUnknownUsersAreRefused) {
  this->InsertUserWithToken();
  StoredRefreshToken full = Token("t2", "f2", 9000);
  full.issued_at_ms = 123;
  full.rotated_at_ms = 456;
  full.revoked_at_ms = 789;
  ASSERT_TRUE(this->store_->InsertRefreshToken(full));

  const Status duplicate = this->store_->InsertRefreshToken(Token("t1", "f9", 5000));
  const Status no_user = this->store_->InsertRefreshToken(Token("t3", "f3", 5000, "nobody"));
  const Result<StoredRefreshToken> unknown = this->store_->GetRefreshToken("none");

  EXPECT_EQ(*this->store_->GetRefreshToken("t1"), Token("t1", "f1", 5000));
  EXPECT_EQ(*this->store_->GetRefreshToken("t2"), full);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->GetRefreshToken("t1")->family_id, "f1");
  ASSERT_FALSE(no_user);
  EXPECT_EQ(no_user.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetRefreshToken("t3").error().code, ErrorCode::kNotFound);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(UserStoreConformanceTest, RotationMarksTheTokenAndInsertsTheNextOfItsFamily) {
  this->InsertUserWithToken();
  const StoredRefreshToken next = Token("t2", "f1", 6000);

  const Result<StoredRefreshToken> rotated = this->store_->RotateRefreshToken("t1", next, 200);

  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(*rotated, Token("t1", "f1", 5000));  // As it was, before the rotation.
  StoredRefreshToken marked = Token("t1", "f1", 5000);
  marked.rotated_at_ms = 200;
  EXPECT_EQ(*this->store_->GetRefreshToken("t1"), marked);
  EXPECT_EQ(*this->store_->GetRefreshToken("t2"), next);
  // The next token rotates in turn, up to the millisecond before it expires.
  const Result<StoredRefreshToken> again =
      this->store_->RotateRefreshToken("t2", Token("t3", "f1", 7000), 5999);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->token_id, "t2");
}

TYPED_TEST(UserStoreConformanceTest, ReplayingARotatedTokenRevokesTheWholeFamily) {
  this->InsertUserWithToken();
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("other", "f2", 5000)));
  ASSERT_TRUE(this->store_->RotateRefreshToken("t1", Token("t2", "f1", 6000), 200));
  ASSERT_TRUE(this->store_->RotateRefreshToken("t2", Token("t3", "f1", 6000), 210));

  const Result<StoredRefreshToken> replay =
      this->store_->RotateRefreshToken("t1", Token("t4", "f1", 6000), 250);

  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(replay.error().reason, kRefreshTokenReusedReason);
  // The revocation is committed although the call failed; the replay's token was not issued.
  for (const char* id : {"t1", "t2", "t3"}) {
    EXPECT_EQ(this->store_->GetRefreshToken(id)->revoked_at_ms, 250) << id;
  }
  EXPECT_EQ(this->store_->GetRefreshToken("t1")->rotated_at_ms, 200);
  EXPECT_EQ(this->store_->GetRefreshToken("t4").error().code, ErrorCode::kNotFound);
  // The legitimate holder's newest token is dead too; another login's family is not.
  const Result<StoredRefreshToken> newest =
      this->store_->RotateRefreshToken("t3", Token("t5", "f1", 6000), 260);
  ASSERT_FALSE(newest);
  EXPECT_EQ(newest.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(newest.error().reason, kTokenInvalid);
  EXPECT_FALSE(this->store_->GetRefreshToken("other")->revoked_at_ms.has_value());
  // A second replay of the (now revoked) token is merely invalid and changes nothing.
  const Result<StoredRefreshToken> second =
      this->store_->RotateRefreshToken("t1", Token("t6", "f1", 6000), 270);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().reason, kTokenInvalid);
  EXPECT_EQ(this->store_->GetRefreshToken("t2")->revoked_at_ms, 250);
}

TYPED_TEST(UserStoreConformanceTest, ExpiredRevokedAndUnknownTokensDoNotRotate) {
  this->InsertUserWithToken();
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("t5", "f5", 9000)));
  ASSERT_EQ(*this->store_->RevokeRefreshFamily("f5", 100), 1);

  const Result<StoredRefreshToken> expired =
      this->store_->RotateRefreshToken("t1", Token("t2", "f1", 9000), 5000);  // expires_at.
  const Result<StoredRefreshToken> revoked =
      this->store_->RotateRefreshToken("t5", Token("t6", "f5", 9000), 150);
  const Result<StoredRefreshToken> unknown =
      this->store_->RotateRefreshToken("none", Token("t7", "f7", 9000), 150);

  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.error().reason, kTokenInvalid);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(revoked.error().reason, kTokenInvalid);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // Nothing was marked or issued.
  EXPECT_EQ(*this->store_->GetRefreshToken("t1"), Token("t1", "f1", 5000));
  EXPECT_FALSE(this->store_->GetRefreshToken("t5")->rotated_at_ms.has_value());
  for (const char* id : {"t2", "t6", "t7"}) {
    EXPECT_EQ(this->store_->GetRefreshToken(id).error().code, ErrorCode::kNotFound) << id;
  }
}

TYPED_TEST(UserStoreConformanceTest, ARotationThatCannotInsertTheNextTokenChangesNothing) {
  this->InsertUserWithToken();
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("taken", "f2", 5000)));

  const Result<StoredRefreshToken> duplicate =
      this->store_->RotateRefreshToken("t1", Token("taken", "f1", 6000), 200);
  const Result<StoredRefreshToken> no_user =
      this->store_->RotateRefreshToken("t1", Token("t2", "f1", 6000, "nobody"), 200);

  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  ASSERT_FALSE(no_user);
  EXPECT_EQ(no_user.error().code, ErrorCode::kNotFound);
  // One transaction: the token is still live and rotates normally.
  EXPECT_EQ(*this->store_->GetRefreshToken("t1"), Token("t1", "f1", 5000));
  EXPECT_EQ(this->store_->GetRefreshToken("taken")->family_id, "f2");
  EXPECT_TRUE(this->store_->RotateRefreshToken("t1", Token("t2", "f1", 6000), 210));
}

TYPED_TEST(UserStoreConformanceTest, RevokingAFamilyCountsOnlyTokensNotRevokedYet) {
  this->InsertUserWithToken();
  ASSERT_TRUE(this->store_->RotateRefreshToken("t1", Token("t2", "f1", 6000), 200));
  ASSERT_TRUE(this->store_->InsertRefreshToken(Token("other", "f2", 5000)));

  const Result<std::int64_t> first = this->store_->RevokeRefreshFamily("f1", 300);
  const Result<std::int64_t> second = this->store_->RevokeRefreshFamily("f1", 400);
  const Result<std::int64_t> unknown = this->store_->RevokeRefreshFamily("none", 400);

  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, 2);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, 0);
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(*unknown, 0);
  EXPECT_EQ(this->store_->GetRefreshToken("t1")->revoked_at_ms, 300);
  EXPECT_EQ(this->store_->GetRefreshToken("t2")->revoked_at_ms, 300);
  EXPECT_FALSE(this->store_->GetRefreshToken("other")->revoked_at_ms.has_value());
}

// Eight refreshes of one token at once, through four stores (replicas) of two threads each:
// exactly one rotates it; the first to come after finds it rotated (a replay) and revokes the
// family, the rest find it revoked.
TYPED_TEST(UserStoreConformanceTest, ConcurrentRotationsOfOneTokenHaveExactlyOneWinner) {
  this->InsertUserWithToken();
  constexpr int kThreads = 8;
  constexpr int kStores = 4;
  std::vector<std::unique_ptr<UserStore>> stores;
  for (int i = 0; i < kStores; ++i) {
    stores.push_back(this->Open());
    ASSERT_NE(stores.back(), nullptr);
  }

  std::array<std::optional<Error>, kThreads> errors{};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      UserStore& store = *stores[static_cast<std::size_t>(t % kStores)];
      start.arrive_and_wait();
      const Result<StoredRefreshToken> rotated =
          store.RotateRefreshToken("t1", Token("next-" + std::to_string(t), "f1", 6000), 200 + t);
      if (!rotated) {
        errors[static_cast<std::size_t>(t)] = rotated.error();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  int winner = -1;
  int reused = 0;
  int invalid = 0;
  for (int t = 0; t < kThreads; ++t) {
    const std::optional<Error>& error = errors[static_cast<std::size_t>(t)];
    if (!error.has_value()) {
      EXPECT_EQ(winner, -1) << "threads " << winner << " and " << t << " both rotated";
      winner = t;
      continue;
    }
    EXPECT_EQ(error->code, ErrorCode::kUnauthenticated) << error->message;
    reused += error->reason == kRefreshTokenReusedReason ? 1 : 0;
    invalid += error->reason == kTokenInvalid ? 1 : 0;
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(reused, 1);
  EXPECT_EQ(invalid, kThreads - 2);
  // Only the winner's token was issued, and the replay revoked it with the rest of the family.
  for (int t = 0; t < kThreads; ++t) {
    const Result<StoredRefreshToken> next =
        this->store_->GetRefreshToken("next-" + std::to_string(t));
    if (t == winner) {
      ASSERT_TRUE(next) << next.error().message;
      EXPECT_TRUE(next->revoked_at_ms.has_value());
    } else {
      EXPECT_EQ(next.error().code, ErrorCode::kNotFound) << t;
    }
  }
  const Result<StoredRefreshToken> presented = this->store_->GetRefreshToken("t1");
  ASSERT_TRUE(presented);
  EXPECT_EQ(presented->rotated_at_ms, 200 + winner);
  EXPECT_TRUE(presented->revoked_at_ms.has_value());
}

// A session that keeps refreshing while another replica logs it out (revokes its family):
// whatever the interleaving, no token of the family is left live, and the chain stops at the
// first rotation after the revocation.
TYPED_TEST(UserStoreConformanceTest, ARevocationDuringRefreshesLeavesNoLiveToken) {
  this->InsertUserWithToken();
  std::unique_ptr<UserStore> other = this->Open();
  ASSERT_NE(other, nullptr);
  constexpr int kRotations = 60;

  std::latch start(2);
  int rotations = 0;
  std::thread refresher([&] {
    start.arrive_and_wait();
    std::string current = "t1";
    for (int i = 0; i < kRotations; ++i) {
      const std::string next = "c" + std::to_string(i);
      if (!this->store_->RotateRefreshToken(current, Token(next, "f1", 9000), 1000 + i)) {
        break;
      }
      ++rotations;
      current = next;
    }
  });
  std::thread revoker([&] {
    start.arrive_and_wait();
    EXPECT_TRUE(other->RevokeRefreshFamily("f1", 2000));
  });
  refresher.join();
  revoker.join();

  int live = 0;
  for (int i = -1; i < rotations; ++i) {
    const std::string id = i < 0 ? "t1" : "c" + std::to_string(i);
    const Result<StoredRefreshToken> token = this->store_->GetRefreshToken(id);
    ASSERT_TRUE(token) << id << ": " << token.error().message;
    live += token->revoked_at_ms.has_value() ? 0 : 1;
  }
  EXPECT_EQ(live, 0) << "after " << rotations << " rotations";
}

// --- BudgetStore ----------------------------------------------------------------------------

StoredBudget Budget(std::string id, std::string scope_type, std::string scope_id,
                    std::string org_id, std::string period, double cap, std::int64_t at_ms = 100) {
  return {std::move(id),
          std::move(scope_type),
          std::move(scope_id),
          std::move(org_id),
          std::move(period),
          cap,
          "reject",
          at_ms,
          at_ms};
}

template <typename Backend>
class BudgetStoreConformanceTest : public BackendTest<Backend> {
 protected:
  void SetUp() override {
    BackendTest<Backend>::SetUp();
    if (!this->Ready()) {
      return;
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<BudgetStore> Open() {
    Result<std::unique_ptr<BudgetStore>> store = this->backend_.OpenBudgetStore();
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  std::vector<std::string> ListedIds(std::string_view org_id) {
    const Result<std::vector<StoredBudget>> listed = store_->ListBudgets(org_id);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<std::string> ids;
    if (listed) {
      for (const StoredBudget& budget : *listed) {
        ids.push_back(budget.budget_id);
      }
    }
    return ids;
  }

  std::unique_ptr<BudgetStore> store_;
};

TYPED_TEST_SUITE(BudgetStoreConformanceTest, Backends, BackendName);

TYPED_TEST(BudgetStoreConformanceTest, CreatesThenReplacesKeepingIdAndCreationTime) {
  const StoredBudget first = Budget("b1", "org", "acme", "acme", "daily", 10, 100);
  const Result<StoredBudget> created = this->store_->UpsertBudget(first);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*created, first);

  StoredBudget second = Budget("b2", "org", "acme", "acme", "daily", 25.5, 200);
  second.action = "downgrade";
  const Result<StoredBudget> replaced = this->store_->UpsertBudget(second);

  ASSERT_TRUE(replaced) << replaced.error().message;
  StoredBudget expected = second;
  expected.budget_id = "b1";
  expected.created_at_ms = 100;
  EXPECT_EQ(*replaced, expected);
  const Result<StoredBudget> read = this->store_->GetBudget("b1");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, expected);
  EXPECT_EQ(this->store_->GetBudget("b2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->ListedIds(""), (std::vector<std::string>{"b1"}));
}

TYPED_TEST(BudgetStoreConformanceTest, CapsRoundTripExactly) {
  const std::array<double, 4> caps = {0.1 + 0.2, 0, 1e300, 5e-324};
  for (std::size_t i = 0; i < caps.size(); ++i) {
    const StoredBudget budget =
        Budget("b" + std::to_string(i), "key", "k" + std::to_string(i), "acme", "monthly", caps[i]);
    const Result<StoredBudget> stored = this->store_->UpsertBudget(budget);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->cap_usd, caps[i]);
    EXPECT_EQ(*this->store_->GetBudget(budget.budget_id), budget);
  }
}

TYPED_TEST(BudgetStoreConformanceTest, ListsByScopeTypeScopeIdAndPeriodPerOrgOrAll) {
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b1", "user", "u9", "acme", "daily", 1)));
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b2", "org", "acme", "acme", "monthly", 5)));
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b3", "org", "acme", "acme", "daily", 5)));
  // Scope ids order by bytes: "K" before "k".
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b4", "key", "k1", "acme", "daily", 2)));
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b5", "key", "K2", "acme", "daily", 2)));
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b6", "org", "globex", "globex", "daily", 7)));

  EXPECT_EQ(this->ListedIds("acme"), (std::vector<std::string>{"b5", "b4", "b3", "b2", "b1"}));
  EXPECT_EQ(this->ListedIds("globex"), (std::vector<std::string>{"b6"}));
  EXPECT_EQ(this->ListedIds(""), (std::vector<std::string>{"b5", "b4", "b3", "b2", "b6", "b1"}));
  EXPECT_TRUE(this->ListedIds("nowhere").empty());
}

TYPED_TEST(BudgetStoreConformanceTest, ABudgetOfAnotherOrganisationIsNotTakenOver) {
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b1", "user", "u1", "acme", "daily", 1)));

  const Result<StoredBudget> foreign =
      this->store_->UpsertBudget(Budget("b2", "user", "u1", "globex", "daily", 1000, 300));

  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(*this->store_->GetBudget("b1"), Budget("b1", "user", "u1", "acme", "daily", 1));
  EXPECT_EQ(this->store_->GetBudget("b2").error().code, ErrorCode::kNotFound);
}

TYPED_TEST(BudgetStoreConformanceTest, ATakenIdOfAnotherScopeIsAlreadyExists) {
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "daily", 1)));

  const Result<StoredBudget> clash =
      this->store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "monthly", 2));

  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->ListedIds("acme"), (std::vector<std::string>{"b1"}));
}

TYPED_TEST(BudgetStoreConformanceTest, RefusesUnknownOrganisationsAndValuesTheSchemaForbids) {
  const Result<StoredBudget> no_org =
      this->store_->UpsertBudget(Budget("b0", "org", "nowhere", "nowhere", "daily", 1));
  ASSERT_FALSE(no_org);
  EXPECT_EQ(no_org.error().code, ErrorCode::kNotFound);

  std::vector<StoredBudget> invalid = {
      Budget("b1", "org", "acme", "acme", "daily", -1),
      Budget("b2", "org", "acme", "acme", "daily", std::numeric_limits<double>::quiet_NaN()),
      Budget("b3", "team", "t", "acme", "daily", 1),
      Budget("b4", "key", "", "acme", "daily", 1),
      Budget("b5", "org", "acme", "acme", "weekly", 1),
      Budget("b6", "org", "acme", "acme", "daily", 1),
  };
  invalid.back().action = "block";
  for (const StoredBudget& budget : invalid) {
    const Result<StoredBudget> stored = this->store_->UpsertBudget(budget);
    ASSERT_FALSE(stored) << budget.budget_id;
    EXPECT_EQ(stored.error().code, ErrorCode::kInvalidArgument) << budget.budget_id;
  }
  EXPECT_TRUE(this->ListedIds("").empty());
}

TYPED_TEST(BudgetStoreConformanceTest, DeletesOnceThenNotFound) {
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "daily", 1)));
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b2", "org", "acme", "acme", "monthly", 1)));

  const Status deleted = this->store_->DeleteBudget("b1");
  const Status again = this->store_->DeleteBudget("b1");

  EXPECT_TRUE(deleted) << deleted.error().message;
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetBudget("b1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->ListedIds("acme"), (std::vector<std::string>{"b2"}));
  // The scope's daily budget can be created afresh, with a new id.
  const Result<StoredBudget> recreated =
      this->store_->UpsertBudget(Budget("b3", "org", "acme", "acme", "daily", 4, 500));
  ASSERT_TRUE(recreated) << recreated.error().message;
  EXPECT_EQ(recreated->budget_id, "b3");
  EXPECT_EQ(recreated->created_at_ms, 500);
}

TYPED_TEST(BudgetStoreConformanceTest, AnotherStoreOnTheDatabaseSeesTheBudgets) {
  ASSERT_TRUE(this->store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "monthly", 3)));
  this->store_.reset();

  std::unique_ptr<BudgetStore> reopened = this->Open();

  ASSERT_NE(reopened, nullptr);
  const Result<StoredBudget> read = reopened->GetBudget("b1");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, Budget("b1", "org", "acme", "acme", "monthly", 3));
}

// Replicas replacing one scope's budget at once: one row, with the first id and creation time.
TYPED_TEST(BudgetStoreConformanceTest, ConcurrentUpsertsOfOneScopeKeepOneRow) {
  constexpr int kThreads = 6;
  std::vector<std::unique_ptr<BudgetStore>> stores;
  for (int i = 0; i < 3; ++i) {
    stores.push_back(this->Open());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      BudgetStore& store = *stores[static_cast<std::size_t>(t % 3)];
      start.arrive_and_wait();
      for (int i = 0; i < 10; ++i) {
        const std::string id = "b" + std::to_string(t) + "-" + std::to_string(i);
        if (!store.UpsertBudget(Budget(id, "org", "acme", "acme", "daily", t + i, 100 + i))) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0);
  const Result<std::vector<StoredBudget>> listed = this->store_->ListBudgets("");
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ(listed->front().created_at_ms, 100);
  EXPECT_EQ(listed->front().budget_id.substr(listed->front().budget_id.size() - 2), "-0");
}

// --- Executions: actor ----------------------------------------------------------------------

template <typename Backend>
class ExecutionActorTest : public BackendTest<Backend> {};

TYPED_TEST_SUITE(ExecutionActorTest, Backends, BackendName);

TYPED_TEST(ExecutionActorTest, TheActorRoundTripsAndDefaultsToEmpty) {
  if (!this->Ready()) {
    return;
  }
  Result<std::unique_ptr<DecisionStore>> store = this->backend_.OpenDecisionStore();
  ASSERT_TRUE(store) << store.error().message;
  std::vector<StoredExecution> batch;
  for (const std::string actor : {"user:ü-01", "key:k2", ""}) {
    StoredExecution record;
    record.request_id = "req-" + std::to_string(batch.size());
    record.decision_id = "d";
    record.created_at_ms = 1000 + static_cast<std::int64_t>(batch.size());
    record.org_id = "acme";
    record.surface = "query";
    record.model = "small";
    record.provider = "local";
    record.status = "ok";
    record.attempts = 1;
    record.actor = actor;
    batch.push_back(record);
  }
  ASSERT_TRUE((*store)->InsertExecutions(batch));
  // A row written without the column (as before it existed) reads as "".
  const Status raw = this->backend_.RawSql(
      "INSERT INTO executions (request_id, decision_id, created_at_ms, org_id, surface, model, "
      "provider, streamed, status, error_code, prompt_tokens, completion_tokens, "
      "usage_estimated, cost_usd, upstream_ms, total_ms, attempts) VALUES ('req-raw', 'd', 2000, "
      "'acme', 'query', 'small', 'local', FALSE, 'ok', '', 1, 2, FALSE, 0.5, 1.5, 2.5, 1)");
  ASSERT_TRUE(raw) << raw.error().message;

  const Result<std::vector<StoredExecution>> listed = (*store)->ListExecutions("d");

  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 4U);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ((*listed)[i], batch[i]) << i;
  }
  EXPECT_EQ((*listed)[3].request_id, "req-raw");
  EXPECT_EQ((*listed)[3].actor, "");
  EXPECT_EQ((*listed)[3].total_ms, 2.5);
}

// --- PostgreSQL only ------------------------------------------------------------------------

class PostgresOnlyTest : public BackendTest<PostgresBackend> {};

// Stores opened on one borrowed pool migrate it to the latest version and share it; the
// pool outlives them.
TEST_F(PostgresOnlyTest, StoresOpenOnABorrowedPool) {
  if (!Ready()) {
    return;
  }
  PgOptions options = backend_.Options();
  options.pool_size = 2;
  Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
  ASSERT_TRUE(pool) << pool.error().message;
  {
    Result<std::unique_ptr<PostgresUserStore>> users = PostgresUserStore::Open(**pool);
    ASSERT_TRUE(users) << users.error().message;
    Result<std::unique_ptr<PostgresBudgetStore>> budgets = PostgresBudgetStore::Open(**pool);
    ASSERT_TRUE(budgets) << budgets.error().message;
    ASSERT_TRUE((*users)->InsertUser(User("u1", "a@example.com", 10)));
    ASSERT_TRUE((*budgets)->UpsertBudget(Budget("b1", "user", "u1", "acme", "daily", 1)));
    EXPECT_EQ((*users)->GetUser("u1")->email, "a@example.com");
  }
  const Result<int> version = PgSchemaVersion(**pool);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, static_cast<int>(PgMigrations().size()));
  EXPECT_EQ(*backend_.QueryValue("SELECT count(*) FROM users"), "1");
  EXPECT_EQ(*backend_.QueryValue("SELECT cap_usd FROM budgets WHERE budget_id = 'b1'"), "1");
}

// An unreachable server fails Open() with kUnavailable, not a half-made store.
TEST_F(PostgresOnlyTest, OpenFailsWhenTheServerCannotBeReached) {
  if (!Ready()) {
    return;
  }
  PgOptions options;
  options.url = "postgres://amaima@127.0.0.1:1/none?connect_timeout=2";
  const Result<std::unique_ptr<PostgresUserStore>> users = PostgresUserStore::Open(options);
  const Result<std::unique_ptr<PostgresBudgetStore>> budgets = PostgresBudgetStore::Open(options);
  ASSERT_FALSE(users);
  EXPECT_EQ(users.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(budgets);
  EXPECT_EQ(budgets.error().code, ErrorCode::kUnavailable);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::storage
