#include "amaima/storage/sqlite/sqlite_budget_store.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"

namespace amaima::storage {
namespace {

class SqliteBudgetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto governance = SqliteGovernanceStore::Open(path_);
    ASSERT_TRUE(governance.has_value()) << governance.error().message;
    ASSERT_TRUE((*governance)->InsertOrg({"acme", "Acme", "", 1000}).has_value());
    ASSERT_TRUE((*governance)->InsertOrg({"globex", "Globex", "", 1000}).has_value());
    auto store = SqliteBudgetStore::Open(path_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  static StoredBudget Budget(std::string id, std::string scope_type, std::string scope_id,
                             std::string org_id, std::string period, double cap,
                             std::int64_t at_ms = 100) {
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

  TempDir dir_;
  std::string path_ = dir_.File("amaima.db");
  std::unique_ptr<SqliteBudgetStore> store_;
};

TEST_F(SqliteBudgetStoreTest, CreatesThenReplacesKeepingIdAndCreationTime) {
  const StoredBudget first = Budget("b1", "org", "acme", "acme", "daily", 10, 100);
  Result<StoredBudget> created = store_->UpsertBudget(first);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(*created, first);

  StoredBudget second = Budget("b2", "org", "acme", "acme", "daily", 25.5, 200);
  second.action = "downgrade";
  Result<StoredBudget> replaced = store_->UpsertBudget(second);

  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ(replaced->budget_id, "b1");
  EXPECT_EQ(replaced->created_at_ms, 100);
  EXPECT_EQ(replaced->updated_at_ms, 200);
  EXPECT_EQ(replaced->cap_usd, 25.5);
  EXPECT_EQ(replaced->action, "downgrade");
  Result<StoredBudget> read = store_->GetBudget("b1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, *replaced);
  EXPECT_EQ(store_->GetBudget("b2").error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteBudgetStoreTest, DailyAndMonthlyBudgetsOfOneScopeAreDistinct) {
  ASSERT_TRUE(store_->UpsertBudget(Budget("b1", "key", "k1", "acme", "daily", 1)).has_value());
  ASSERT_TRUE(store_->UpsertBudget(Budget("b2", "key", "k1", "acme", "monthly", 20)).has_value());

  Result<std::vector<StoredBudget>> listed = store_->ListBudgets("acme");

  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].period, "daily");
  EXPECT_EQ((*listed)[1].period, "monthly");
}

TEST_F(SqliteBudgetStoreTest, ListsByOrganisationOrAll) {
  ASSERT_TRUE(store_->UpsertBudget(Budget("b1", "user", "u9", "acme", "daily", 1)).has_value());
  ASSERT_TRUE(store_->UpsertBudget(Budget("b2", "org", "acme", "acme", "daily", 5)).has_value());
  ASSERT_TRUE(
      store_->UpsertBudget(Budget("b3", "org", "globex", "globex", "monthly", 7)).has_value());

  Result<std::vector<StoredBudget>> acme = store_->ListBudgets("acme");
  Result<std::vector<StoredBudget>> all = store_->ListBudgets("");

  ASSERT_TRUE(acme.has_value());
  ASSERT_EQ(acme->size(), 2U);
  EXPECT_EQ((*acme)[0].budget_id, "b2");  // By scope type: "org" before "user".
  EXPECT_EQ((*acme)[1].budget_id, "b1");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 3U);
}

TEST_F(SqliteBudgetStoreTest, ABudgetOfAnotherOrganisationIsNotTakenOver) {
  ASSERT_TRUE(store_->UpsertBudget(Budget("b1", "user", "u1", "acme", "daily", 1)).has_value());

  Result<StoredBudget> foreign =
      store_->UpsertBudget(Budget("b2", "user", "u1", "globex", "daily", 1000));

  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetBudget("b1")->cap_usd, 1);
}

TEST_F(SqliteBudgetStoreTest, RefusesUnknownOrganisationsAndValuesTheSchemaForbids) {
  EXPECT_EQ(
      store_->UpsertBudget(Budget("b1", "org", "nowhere", "nowhere", "daily", 1)).error().code,
      ErrorCode::kNotFound);
  EXPECT_EQ(store_->UpsertBudget(Budget("b2", "org", "acme", "acme", "daily", -1)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->UpsertBudget(Budget("b3", "team", "t", "acme", "daily", 1)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->UpsertBudget(Budget("b4", "org", "acme", "acme", "weekly", 1)).error().code,
            ErrorCode::kInvalidArgument);
  StoredBudget bad_action = Budget("b5", "org", "acme", "acme", "daily", 1);
  bad_action.action = "block";
  EXPECT_EQ(store_->UpsertBudget(bad_action).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListBudgets("")->empty());
}

TEST_F(SqliteBudgetStoreTest, DeletesOnceThenNotFound) {
  ASSERT_TRUE(store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "daily", 1)).has_value());

  const Status deleted = store_->DeleteBudget("b1");
  const Status again = store_->DeleteBudget("b1");

  EXPECT_TRUE(deleted.has_value());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListBudgets("acme")->empty());
}

TEST_F(SqliteBudgetStoreTest, BudgetsSurviveReopening) {
  ASSERT_TRUE(store_->UpsertBudget(Budget("b1", "org", "acme", "acme", "monthly", 3)).has_value());
  store_.reset();

  auto reopened = SqliteBudgetStore::Open(path_);

  ASSERT_TRUE(reopened.has_value());
  Result<StoredBudget> read = (*reopened)->GetBudget("b1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->cap_usd, 3);
}

}  // namespace
}  // namespace amaima::storage
