#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "amaima/core/result.h"

namespace amaima::testing {

// A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory (trust
// authentication, superuser "amaima", UTF-8, C locale, no fsync), then `postgres` listening on
// 127.0.0.1 at a free port with durability switched off. Run as root (as in CI), both run as
// the `postgres` system user, since PostgreSQL refuses to run as root.
//
// Usage, in a test binary that links amaima::test_postgres:
//
//   Result<PostgresServer*> server = SharedPostgresServer();  // one per process, started once
//   if (!server) {
//     if (server.error().code == ErrorCode::kNotFound && !PostgresRequired()) {
//       GTEST_SKIP() << server.error().message;
//     }
//     FAIL() << server.error().message;
//   }
//   Result<std::string> url = (*server)->CreateSchema();  // a fresh namespace per test
//
// @par Thread Safety
// Thread-safe. The server stops when the object is destroyed, and also (PR_SET_PDEATHSIG) when
// the thread that started it exits, so start it from the test's main thread.
class PostgresServer {
 public:
  // Starts a server and waits until it accepts connections. kNotFound when the PostgreSQL
  // server binaries are not installed ($AMAIMA_PG_BINDIR, `pg_config --bindir`,
  // /usr/lib/postgresql/*/bin); another error, with the end of the server's log, when it
  // cannot be started.
  static Result<std::unique_ptr<PostgresServer>> Start();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  PostgresServer(PostgresServer&&) = delete;
  PostgresServer& operator=(PostgresServer&&) = delete;
  // Fast shutdown (SIGINT), waits for the server to exit, removes its directory.
  ~PostgresServer();

  int port() const { return port_; }

  // "postgres://amaima@127.0.0.1:<port>/<database>".
  std::string Url(std::string_view database) const;

  // Creates an empty schema "test_<n>" in the "postgres" database and returns a URL whose
  // connections use it as their search_path ("...?options=-csearch_path%3Dtest_<n>"): an
  // isolated, empty namespace for one test in a few milliseconds.
  Result<std::string> CreateSchema();

  // Creates an empty database "test_<n>" and returns its URL. Slower (a copy of template1,
  // about 0.1-0.3 s): for tests that terminate sessions or refuse connections.
  Result<std::string> CreateDatabase();

  // Drops what CreateSchema() or CreateDatabase() returned `url` for (a database after closing
  // its sessions).
  Status Drop(std::string_view url);

  // Runs `sql` (one or more statements, no parameters) as the superuser on a new connection to
  // `url`, search_path included: for tests that inspect or tamper with a database behind a
  // store's back.
  Status Exec(std::string_view url, std::string_view sql);

  // Runs `sql` on `url` and returns the first column of the first row of the last statement
  // ("" for NULL or no row).
  Result<std::string> QueryValue(std::string_view url, std::string_view sql);

 private:
  PostgresServer(std::string dir, pid_t pid, int port)
      : dir_(std::move(dir)), pid_(pid), port_(port) {}

  std::string dir_;
  pid_t pid_;
  int port_;
  std::atomic<int> names_{0};  // Numbers the schemas and databases.
};

// The server shared by every test of this process, started on first use and stopped when the
// process exits. Fails as PostgresServer::Start() does (every call returns the same failure).
Result<PostgresServer*> SharedPostgresServer();

// True when $AMAIMA_REQUIRE_POSTGRES is "1": PostgreSQL must be installed, and tests fail
// rather than skip without it (CI sets it).
bool PostgresRequired();

}  // namespace amaima::testing
