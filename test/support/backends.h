#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/core/result.h"

namespace amaima::testing {

// The two deployments the governance integration suites run on: the embedded defaults (SQLite
// and in-process limits) and several-replica storage (PostgreSQL and Redis).
enum class Backend { kEmbedded, kPostgresRedis };

inline constexpr Backend kAllBackends[] = {Backend::kEmbedded, Backend::kPostgresRedis};

// "Embedded" | "PostgresRedis": a test-name suffix.
std::string BackendName(Backend backend);

// A fixture parameterised by the deployment. SetUp() fills backend_env_, or skips the test
// when the deployment's servers are not installed (fails instead when they are required);
// fixtures that override SetUp() call it first and return when IsSkipped() or
// HasFatalFailure().
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;

  std::vector<std::string> backend_env_;
};

// For INSTANTIATE_TEST_SUITE_P(Backends, Suite, ValuesIn(kAllBackends), BackendTestName).
inline std::string BackendTestName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

// The environment entries that put `amaima serve` on `backend`: none for kEmbedded; for
// kPostgresRedis, a fresh database on the process's PostgreSQL server and a key prefix of its
// own on the process's Redis server (both started on first use, stopped at exit). kNotFound
// when PostgreSQL or Redis is not installed: the caller skips unless Required().
Result<std::vector<std::string>> BackendEnv(Backend backend);

// Whether a missing PostgreSQL or Redis fails the run (AMAIMA_REQUIRE_POSTGRES=1 or
// AMAIMA_REQUIRE_REDIS=1, as in CI) instead of skipping.
bool BackendRequired();

}  // namespace amaima::testing
