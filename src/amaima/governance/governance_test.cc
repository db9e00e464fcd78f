#include "amaima/governance/governance.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/governance/audit_queue.h"
#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"
#include "test/support/fake_clock.h"

namespace amaima::governance {
namespace {

using namespace std::chrono_literals;

class GovernanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::SqliteGovernanceStore::Open(dir_.File("amaima.db"));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    authenticator_ = std::make_unique<ApiKeyAuthenticator>(*store_, clock_, 60s);
    governance_ = std::make_unique<Governance>(*store_, *authenticator_, ids_, clock_);
    Result<std::string> generated = governance_->Bootstrap("");
    ASSERT_TRUE(generated.has_value());
    root_secret_ = *generated;
    root_ = *authenticator_->Authenticate(root_secret_);
  }

  Principal KeyFor(const std::string& org, Role role) {
    NewApiKey request;
    request.org_id = org;
    request.role = role;
    request.name = "test";
    auto key = governance_->CreateKey(root_, request);
    EXPECT_TRUE(key.has_value()) << key.error().message;
    secrets_.push_back(key->secret);
    return *authenticator_->Authenticate(key->secret);
  }

  storage::TempDir dir_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<storage::SqliteGovernanceStore> store_;
  std::unique_ptr<ApiKeyAuthenticator> authenticator_;
  std::unique_ptr<Governance> governance_;
  std::string root_secret_;
  Principal root_;
  std::vector<std::string> secrets_;
};

TEST_F(GovernanceTest, FirstStartPrintsOneAdminKeyAndLaterStartsNone) {
  EXPECT_TRUE(root_secret_.starts_with("amk_"));
  EXPECT_EQ(root_secret_.size(), 4U + 48U);
  EXPECT_EQ(root_.role, Role::kAdmin);
  EXPECT_EQ(root_.org_id, kSystemOrg);
  EXPECT_EQ(governance_->Bootstrap("").value(), "");
  EXPECT_EQ(governance_->Bootstrap("a-chosen-secret-of-some-length").value(), "");
  const auto keys = store_->ListApiKeys("");
  ASSERT_EQ(keys->size(), 1U);
  EXPECT_EQ(keys->front().secret_hash, HashApiKeySecret(root_secret_));
  EXPECT_EQ(keys->front().prefix, root_secret_.substr(0, 12));
}

TEST(GovernanceBootstrapTest, AChosenSecretBecomesTheAdminKey) {
  storage::TempDir dir;
  auto store = storage::SqliteGovernanceStore::Open(dir.File("amaima.db"));
  testing::FakeClock clock;
  IdGenerator ids(clock);
  ApiKeyAuthenticator authenticator(**store, clock, 1s);
  Governance governance(**store, authenticator, ids, clock);
  EXPECT_EQ(governance.Bootstrap("short").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(governance.Bootstrap("operator-chosen-secret-1234").value(), "");
  const auto principal = authenticator.Authenticate("operator-chosen-secret-1234");
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->role, Role::kAdmin);
}

TEST_F(GovernanceTest, UnknownRevokedAndExpiredKeysAreRejectedAlike) {
  EXPECT_EQ(authenticator_->Authenticate("amk_nope").error().reason, "AUTH_INVALID_API_KEY");
  const Principal user = KeyFor("default", Role::kUser);
  ASSERT_TRUE(governance_->RevokeKey(root_, user.key_id).has_value());
  EXPECT_EQ(authenticator_->Authenticate(secrets_.back()).error().reason, "AUTH_INVALID_API_KEY");

  NewApiKey expiring;
  expiring.role = Role::kViewer;
  expiring.expires_at_ms = UnixMillis(clock_.Now()) + 1000;
  const auto key = governance_->CreateKey(root_, expiring);
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(authenticator_->Authenticate(key->secret).has_value());
  clock_.Advance(1s);  // expired while cached: still refused
  EXPECT_EQ(authenticator_->Authenticate(key->secret).error().reason, "AUTH_INVALID_API_KEY");
  expiring.expires_at_ms = UnixMillis(clock_.Now()) - 1;
  EXPECT_EQ(governance_->CreateKey(root_, expiring).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(GovernanceTest, AnotherProcesssRevocationTakesEffectWithinTheCacheTtl) {
  const Principal user = KeyFor("default", Role::kUser);
  ASSERT_TRUE(store_->RevokeApiKey(user.key_id, UnixMillis(clock_.Now())).has_value());
  EXPECT_TRUE(authenticator_->Authenticate(secrets_.back()).has_value());  // cached
  clock_.Advance(61s);
  EXPECT_FALSE(authenticator_->Authenticate(secrets_.back()).has_value());
}

TEST_F(GovernanceTest, OrgAdminsAdministerOnlyTheirOrg) {
  ASSERT_TRUE(governance_->CreateOrg(root_, "acme", "Acme").has_value());
  ASSERT_TRUE(governance_->CreateOrg(root_, "globex", "Globex").has_value());
  EXPECT_EQ(governance_->CreateOrg(root_, "Bad Id", "").error().code, ErrorCode::kInvalidArgument);
  const Principal acme_admin = KeyFor("acme", Role::kAdmin);
  const Principal globex_user = KeyFor("globex", Role::kUser);
  EXPECT_EQ(governance_->CreateOrg(acme_admin, "initech", "").error().code,
            ErrorCode::kPermissionDenied);
  NewApiKey request;
  request.org_id = "globex";
  EXPECT_EQ(governance_->CreateKey(acme_admin, request).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(governance_->RevokeKey(acme_admin, globex_user.key_id).error().code,
            ErrorCode::kNotFound);
  request.org_id = "";
  const auto own = governance_->CreateKey(acme_admin, request);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->record.org_id, "acme");
  const auto listed = governance_->ListKeys(acme_admin, "");
  ASSERT_TRUE(listed.has_value());
  for (const auto& key : *listed) {
    EXPECT_EQ(key.org_id, "acme");
  }
  ASSERT_EQ(governance_->ListOrgs(acme_admin)->size(), 1U);
  EXPECT_EQ(governance_->ListOrgs(root_)->size(), 3U);
}

TEST_F(GovernanceTest, TheExecutionSwitchReachesPrincipalsAndIsAudited) {
  const Principal user = KeyFor("default", Role::kUser);
  EXPECT_TRUE(user.execution_allowed);
  ASSERT_TRUE(governance_->SetExecutionMode(root_, "default", "decision-only").has_value());
  EXPECT_FALSE(authenticator_->Authenticate(secrets_.back())->execution_allowed);
  EXPECT_EQ(governance_->SetExecutionMode(root_, "default", "sometimes").error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(governance_->SetExecutionMode(root_, "default", "").has_value());
  EXPECT_TRUE(authenticator_->Authenticate(secrets_.back())->execution_allowed);

  storage::AuditFilter filter;
  filter.action = "org.execution_mode";
  const auto page = governance_->ListAudit(root_, filter, 10, "");
  ASSERT_EQ(page->entries.size(), 2U);
  EXPECT_EQ(page->entries[1].actor, root_.Subject());
  EXPECT_EQ(page->entries[1].details_json, R"({"from":"inherit","to":"decision-only"})");
  const auto verified = store_->VerifyAudit();
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TEST_F(GovernanceTest, TheAuditQueueWritesEveryPostedRowAsOneChain) {
  AuditQueue queue(*store_, ids_, clock_, /*batch_max=*/7);
  constexpr int kThreads = 4;
  constexpr int kRowsEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&queue, t] {
      for (int i = 0; i < kRowsEach; ++i) {
        queue.Post(AuditEvent{"default",
                              "key:t" + std::to_string(t),
                              "execution",
                              "decision:" + std::to_string(i),
                              true,
                              {{"i", std::to_string(i)}}});
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  queue.Flush();
  EXPECT_EQ(queue.counters().written.load(), static_cast<std::uint64_t>(kThreads * kRowsEach));
  EXPECT_EQ(queue.counters().failed.load(), 0U);
  queue.Stop();
  queue.Post(AuditEvent{"default", "system", "late", "", true, {}});
  EXPECT_EQ(queue.counters().failed.load(), 1U);
  const auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified.has_value());
  // The bootstrap's own row, then every posted row.
  EXPECT_EQ(verified->rows, 1 + kThreads * kRowsEach);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TEST_F(GovernanceTest, TheAuditQueueWaitsForAFullBatchUnlessFlushed) {
  // Rows wait (here up to an hour) for a full batch; a full batch, Flush() and Stop() end the
  // wait. (Were they not to, this test would hang for an hour.)
  AuditQueue queue(*store_, ids_, clock_, /*batch_max=*/3, std::chrono::hours(1));
  const auto post = [&queue](int i) {
    queue.Post(
        AuditEvent{"default", "system", "execution", "decision:" + std::to_string(i), true, {}});
  };
  post(1);
  post(2);
  queue.Flush();
  EXPECT_EQ(queue.counters().written.load(), 2U);
  for (int i = 3; i <= 5; ++i) {
    post(i);
  }
  while (queue.counters().written.load() < 5) {  // A full batch is written without a Flush().
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  post(6);
  queue.Stop();
  EXPECT_EQ(queue.counters().written.load(), 6U);
  const auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->rows, 1 + 6);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

}  // namespace
}  // namespace amaima::governance
