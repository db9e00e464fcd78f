#include "amaima/storage/sqlite/migrations.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"

namespace amaima::storage {
namespace {

// Plain CREATE TABLE (no IF NOT EXISTS): running a migration twice would fail.
constexpr SqliteMigration kFirst{1, "create_t1", "CREATE TABLE t1 (x INTEGER);"};
constexpr SqliteMigration kSecond{2, "create_t2",
                                  "CREATE TABLE t2 (y TEXT); INSERT INTO t2 VALUES ('seed');"};
constexpr SqliteMigration kBrokenSecond{
    2, "half_done", "CREATE TABLE t2 (y TEXT); INSERT INTO no_such_table VALUES (1);"};

class SqliteMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<SqliteConnection> db =
        OpenSqliteConnection(dir_.File("m.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }

  bool TableExists(const std::string& name) {
    Result<SqliteStatement> query =
        PrepareSql(db_.get(), "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    EXPECT_TRUE(query);
    sqlite3_bind_text(query->get(), 1, name.c_str(), -1, nullptr);
    return sqlite3_step(query->get()) == SQLITE_ROW;
  }

  std::vector<std::string> AppliedNames() {
    Result<SqliteStatement> query =
        PrepareSql(db_.get(), "SELECT name FROM schema_migrations ORDER BY version");
    EXPECT_TRUE(query);
    std::vector<std::string> names;
    while (sqlite3_step(query->get()) == SQLITE_ROW) {
      names.push_back(ColumnText(query->get(), 0));
    }
    return names;
  }

  TempDir dir_;
  SqliteConnection db_;
};

TEST_F(SqliteMigrationsTest, AppliesPendingMigrationsInOrderOnce) {
  const std::vector<SqliteMigration> both = {kFirst, kSecond};

  ASSERT_TRUE(ApplySqliteMigrations(db_.get(), both));
  const Status again = ApplySqliteMigrations(db_.get(), both);

  EXPECT_TRUE(again) << again.error().message;
  EXPECT_EQ(*SqliteSchemaVersion(db_.get()), 2);
  EXPECT_EQ(AppliedNames(), (std::vector<std::string>{"create_t1", "create_t2"}));
}

TEST_F(SqliteMigrationsTest, ANewEntryAppliesOnlyTheNewMigration) {
  const std::vector<SqliteMigration> old_binary = {kFirst};
  const std::vector<SqliteMigration> new_binary = {kFirst, kSecond};
  ASSERT_TRUE(ApplySqliteMigrations(db_.get(), old_binary));

  const Status upgraded = ApplySqliteMigrations(db_.get(), new_binary);

  ASSERT_TRUE(upgraded) << upgraded.error().message;
  EXPECT_TRUE(TableExists("t2"));
  EXPECT_EQ(AppliedNames(), (std::vector<std::string>{"create_t1", "create_t2"}));
}

TEST_F(SqliteMigrationsTest, AFailingMigrationLeavesThePreviousVersion) {
  const std::vector<SqliteMigration> broken = {kFirst, kBrokenSecond};

  const Status applied = ApplySqliteMigrations(db_.get(), broken);

  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message.find("migration 2 (half_done)"), std::string::npos)
      << applied.error().message;
  EXPECT_EQ(*SqliteSchemaVersion(db_.get()), 1);
  EXPECT_TRUE(TableExists("t1"));
  EXPECT_FALSE(TableExists("t2"));
}

TEST_F(SqliteMigrationsTest, RefusesADatabaseNewerThanTheList) {
  const std::vector<SqliteMigration> both = {kFirst, kSecond};
  const std::vector<SqliteMigration> old_binary = {kFirst};
  ASSERT_TRUE(ApplySqliteMigrations(db_.get(), both));

  const Status applied = ApplySqliteMigrations(db_.get(), old_binary);

  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(applied.error().message.find("newer than this binary"), std::string::npos);
}

TEST_F(SqliteMigrationsTest, ShippedMigrationsAreContiguousAndApply) {
  const auto shipped = SqliteMigrations();
  ASSERT_FALSE(shipped.empty());
  for (std::size_t i = 0; i < shipped.size(); ++i) {
    EXPECT_EQ(shipped[i].version, static_cast<int>(i) + 1);
  }

  ASSERT_TRUE(ApplySqliteMigrations(db_.get(), shipped));

  EXPECT_TRUE(TableExists("decisions"));
  EXPECT_EQ(*SqliteSchemaVersion(db_.get()), shipped.back().version);
}

}  // namespace
}  // namespace amaima::storage
