#include "amaima/server/query_hash_key.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "test/support/server_process.h"

namespace amaima::server {
namespace {

TEST(QueryHashKeyTest, CreatesOnceThenReusesTheKeyFile) {
  config::Config config;
  config.storage.data_dir = testing::MakeTempDir() + "/nested";
  ASSERT_TRUE(PrepareDataDir(config, true));

  const auto missing = LoadQueryHashKey(config, false);
  const auto created = LoadQueryHashKey(config, true);
  const auto reused = LoadQueryHashKey(config, true);

  ASSERT_TRUE(missing && created && reused);
  EXPECT_TRUE(missing->empty());
  EXPECT_EQ(created->size(), 64U);
  EXPECT_EQ(*created, *reused);

  struct stat info {};

  ASSERT_EQ(::stat((config.storage.data_dir + "/query_hash.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  std::filesystem::remove_all(std::filesystem::path(config.storage.data_dir).parent_path());
}

TEST(QueryHashKeyTest, ConfiguredKeyWins) {
  config::Config config;
  config.telemetry.query_hash_key = "configured";

  const auto key = LoadQueryHashKey(config, true);

  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "configured");
}

TEST(SqlitePathTest, DefaultsToTheDataDir) {
  config::Config config;
  config.storage.data_dir = "/var/lib/amaima";
  EXPECT_EQ(SqlitePath(config), "/var/lib/amaima/amaima.db");
  config.storage.sqlite_path = "/tmp/x.db";
  EXPECT_EQ(SqlitePath(config), "/tmp/x.db");
}

}  // namespace
}  // namespace amaima::server
