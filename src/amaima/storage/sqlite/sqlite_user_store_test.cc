#include "amaima/storage/sqlite/sqlite_user_store.h"

#include <string>

#include <gtest/gtest.h>

#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"

namespace amaima::storage {
namespace {

class SqliteUserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto governance = SqliteGovernanceStore::Open(path_);
    ASSERT_TRUE(governance.has_value()) << governance.error().message;
    ASSERT_TRUE((*governance)->InsertOrg({"acme", "Acme", "", 1000}).has_value());
    auto store = SqliteUserStore::Open(path_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  static StoredUser User(std::string id, std::string email, std::int64_t created) {
    return {std::move(id), "acme", std::move(email), Role::kUser, "$argon2id$x", created, {}};
  }

  static StoredRefreshToken Token(std::string id, std::string family, std::int64_t expires) {
    return {std::move(id), std::move(family), "u1", 100, expires, {}, {}};
  }

  TempDir dir_;
  std::string path_ = dir_.File("amaima.db");
  std::unique_ptr<SqliteUserStore> store_;
};

TEST_F(SqliteUserStoreTest, InsertsAndFindsUsersByIdAndEmail) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "ada@example.com", 10)).has_value());
  auto by_id = store_->GetUser("u1");
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(*by_id, User("u1", "ada@example.com", 10));
  auto by_email = store_->FindUserByEmail("ada@example.com");
  ASSERT_TRUE(by_email.has_value());
  EXPECT_EQ(by_email->user_id, "u1");
  EXPECT_EQ(store_->FindUserByEmail("bob@example.com").error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteUserStoreTest, RefusesDuplicateEmailsAndUnknownOrgs) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "ada@example.com", 10)).has_value());
  EXPECT_EQ(store_->InsertUser(User("u2", "ada@example.com", 11)).error().code,
            ErrorCode::kAlreadyExists);
  StoredUser stray = User("u3", "eve@example.com", 12);
  stray.org_id = "nowhere";
  EXPECT_EQ(store_->InsertUser(stray).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteUserStoreTest, ListsUsersNewestFirstByOrg) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->InsertUser(User("u2", "b@example.com", 20)).has_value());
  auto users = store_->ListUsers("acme");
  ASSERT_TRUE(users.has_value());
  ASSERT_EQ(users->size(), 2U);
  EXPECT_EQ((*users)[0].user_id, "u2");
  EXPECT_TRUE(store_->ListUsers("other")->empty());
  EXPECT_EQ(store_->ListUsers("")->size(), 2U);
}

TEST_F(SqliteUserStoreTest, DisablingAUserRevokesTheirRefreshTokens) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->InsertRefreshToken(Token("t1", "f1", 5000)).has_value());
  ASSERT_TRUE(store_->DisableUser("u1", 300).has_value());
  ASSERT_TRUE(store_->DisableUser("u1", 400).has_value());
  EXPECT_EQ(store_->GetUser("u1")->disabled_at_ms, 300);
  EXPECT_EQ(store_->GetRefreshToken("t1")->revoked_at_ms, 300);
  EXPECT_EQ(store_->DisableUser("nobody", 1).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteUserStoreTest, SetsThePasswordHash) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->SetPasswordHash("u1", "$argon2id$y").has_value());
  EXPECT_EQ(store_->GetUser("u1")->password_hash, "$argon2id$y");
  EXPECT_EQ(store_->SetPasswordHash("nobody", "h").error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteUserStoreTest, RotationReplacesTheTokenWithTheNextOfItsFamily) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->InsertRefreshToken(Token("t1", "f1", 5000)).has_value());
  auto rotated = store_->RotateRefreshToken("t1", Token("t2", "f1", 6000), 200);
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  EXPECT_EQ(rotated->token_id, "t1");
  EXPECT_EQ(store_->GetRefreshToken("t1")->rotated_at_ms, 200);
  EXPECT_FALSE(store_->GetRefreshToken("t2")->rotated_at_ms.has_value());
  // The next token rotates in turn.
  EXPECT_TRUE(store_->RotateRefreshToken("t2", Token("t3", "f1", 7000), 300).has_value());
}

TEST_F(SqliteUserStoreTest, ReplayingARotatedTokenRevokesTheWholeFamily) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->InsertRefreshToken(Token("t1", "f1", 5000)).has_value());
  ASSERT_TRUE(store_->InsertRefreshToken(Token("other", "f2", 5000)).has_value());
  ASSERT_TRUE(store_->RotateRefreshToken("t1", Token("t2", "f1", 6000), 200).has_value());

  auto replay = store_->RotateRefreshToken("t1", Token("t3", "f1", 6000), 250);
  ASSERT_FALSE(replay.has_value());
  EXPECT_EQ(replay.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(replay.error().reason, kRefreshTokenReusedReason);
  EXPECT_EQ(store_->GetRefreshToken("t2")->revoked_at_ms, 250);
  EXPECT_EQ(store_->GetRefreshToken("t3").error().code, ErrorCode::kNotFound);
  // The legitimate holder's newest token is dead too; another login's family is not.
  auto after = store_->RotateRefreshToken("t2", Token("t4", "f1", 6000), 260);
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().reason, "AUTH_REFRESH_TOKEN_INVALID");
  EXPECT_FALSE(store_->GetRefreshToken("other")->revoked_at_ms.has_value());
}

TEST_F(SqliteUserStoreTest, ExpiredRevokedAndUnknownTokensDoNotRotate) {
  ASSERT_TRUE(store_->InsertUser(User("u1", "a@example.com", 10)).has_value());
  ASSERT_TRUE(store_->InsertRefreshToken(Token("t1", "f1", 5000)).has_value());
  auto expired = store_->RotateRefreshToken("t1", Token("t2", "f1", 9000), 5000);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().reason, "AUTH_REFRESH_TOKEN_INVALID");
  EXPECT_EQ(store_->GetRefreshToken("t2").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(store_->InsertRefreshToken(Token("t5", "f5", 9000)).has_value());
  EXPECT_EQ(*store_->RevokeRefreshFamily("f5", 100), 1);
  EXPECT_EQ(*store_->RevokeRefreshFamily("f5", 200), 0);
  EXPECT_EQ(store_->RotateRefreshToken("t5", Token("t6", "f5", 9000), 150).error().reason,
            "AUTH_REFRESH_TOKEN_INVALID");
  EXPECT_EQ(store_->RotateRefreshToken("none", Token("t7", "f7", 9000), 150).error().code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace amaima::storage
