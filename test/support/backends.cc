#include "test/support/backends.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "test/support/postgres_server.h"
#include "test/support/redis_server.h"

namespace amaima::testing {

std::string BackendName(Backend backend) {
  return backend == Backend::kEmbedded ? "Embedded" : "PostgresRedis";
}

bool BackendRequired() {
  return PostgresRequired() || RedisServer::Required();
}

void BackendTest::SetUp() {
  Result<std::vector<std::string>> env = BackendEnv(GetParam());
  if (!env) {
    if (env.error().code == ErrorCode::kNotFound && !BackendRequired()) {
      GTEST_SKIP() << env.error().message;
    }
    FAIL() << env.error().message;
  }
  backend_env_ = std::move(*env);
}

Result<std::vector<std::string>> BackendEnv(Backend backend) {
  if (backend == Backend::kEmbedded) {
    return std::vector<std::string>{};
  }
  Result<PostgresServer*> postgres = SharedPostgresServer();
  if (!postgres) {
    return postgres.error();
  }
  if (!RedisServer::Available()) {
    return Fail(ErrorCode::kNotFound, "redis-server is not installed");
  }
  // One Redis server for the whole test process, as for PostgreSQL.
  static std::mutex mutex;
  static std::unique_ptr<RedisServer> redis;
  static std::atomic<int> tests{0};
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!redis) {
      redis = std::make_unique<RedisServer>();
    }
  }
  Result<std::string> database = (*postgres)->CreateDatabase();
  if (!database) {
    return database.error();
  }
  const std::string prefix =
      "amaima-test:" + std::to_string(::getpid()) + ":" + std::to_string(++tests) + ":";
  return std::vector<std::string>{"AMAIMA_STORAGE__POSTGRES_URL=" + *database,
                                  "AMAIMA_REDIS__URL=" + redis->url(),
                                  "AMAIMA_REDIS__KEY_PREFIX=" + prefix};
}

}  // namespace amaima::testing
