// The libpq layer and the PostgreSQL-only behaviour of the stores, against a throwaway server
// (test/support/postgres_server.h), one schema per test: error mapping, parameters, transactions
// and their retries, the pool's limits, reconnection after the server dropped connections, and that
// no message carries the password. The contracts shared with SQLite are in
// ../store_conformance_test.cc.
#include "amaima/storage/postgres/pg_connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cmath>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amaima/storage/postgres/pg_migrations.h"
#include "amaima/storage/postgres/postgres_decision_store.h"
#include "amaima/storage/postgres/postgres_governance_store.h"
#include "test/support/postgres_server.h"

namespace amaima::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// NOLINTBEGIN(readability-function-cognitive-complexity)

constexpr std::string_view kPassword = "s3cret-Pa55";

TEST(PgErrorCodeTest, MapsSqlstatesOntoErrorCodes) {
  const std::vector<std::pair<std::string_view, ErrorCode>> cases = {
      {"23505", ErrorCode::kAlreadyExists},    {"23503", ErrorCode::kInvalidArgument},
      {"23514", ErrorCode::kInvalidArgument},  {"23502", ErrorCode::kInvalidArgument},
      {"22P02", ErrorCode::kInvalidArgument},  {"22021", ErrorCode::kInvalidArgument},
      {"40001", ErrorCode::kUnavailable},      {"40P01", ErrorCode::kUnavailable},
      {"08006", ErrorCode::kUnavailable},      {"57P01", ErrorCode::kUnavailable},
      {"53300", ErrorCode::kUnavailable},      {"55P03", ErrorCode::kUnavailable},
      {"57014", ErrorCode::kDeadlineExceeded}, {"42P01", ErrorCode::kInternal},
      {"XX000", ErrorCode::kInternal},         {"", ErrorCode::kInternal},
  };
  for (const auto& [sqlstate, code] : cases) {
    EXPECT_EQ(PgErrorCode(sqlstate), code) << sqlstate;
  }
  EXPECT_TRUE(IsRetryablePgError("40001"));
  EXPECT_TRUE(IsRetryablePgError("40P01"));
  EXPECT_FALSE(IsRetryablePgError("23505"));
  EXPECT_FALSE(IsRetryablePgError(""));
}

TEST(DescribePgUrlTest, NamesTheServerWithoutThePassword) {
  EXPECT_EQ(DescribePgUrl("postgres://amaima:" + std::string(kPassword) + "@db.local:6432/prod"),
            "postgres://amaima@db.local:6432/prod");
  EXPECT_EQ(DescribePgUrl("postgresql://u@h/d?sslmode=require&password=" + std::string(kPassword)),
            "postgres://u@h/d");
  EXPECT_EQ(DescribePgUrl("host=h port=5 dbname=d user=u password=" + std::string(kPassword)),
            "postgres://u@h:5/d");
  EXPECT_EQ(DescribePgUrl("postgres://u:p@h:5/d?nonsense=1"), "postgres://(malformed URL)");
}

TEST(PgPoolOptionsTest, BadOptionsAreInvalidArgument) {
  PgOptions no_url;
  PgOptions no_connections;
  no_connections.url = "postgres://u@127.0.0.1:1/d";
  no_connections.pool_size = 0;
  PgOptions too_many = no_connections;
  too_many.pool_size = 65;
  PgOptions no_attempts = no_connections;
  no_attempts.pool_size = 1;
  no_attempts.max_attempts = 0;

  for (const PgOptions& options : {no_url, no_connections, too_many, no_attempts}) {
    const Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);

    ASSERT_FALSE(pool);
    EXPECT_EQ(pool.error().code, ErrorCode::kInvalidArgument) << pool.error().message;
  }
}

TEST(PgPoolOptionsTest, AMalformedUrlIsInvalidArgumentAndKeepsThePasswordOut) {
  for (const std::string& url :
       {"postgres://amaima:" + std::string(kPassword) + "%zz@127.0.0.1:1/d",
        "postgres://amaima:" + std::string(kPassword) + "@127.0.0.1:1/d?bogus_option=1",
        "host=127.0.0.1 password=" + std::string(kPassword) + " bogus_option=1",
        "host=127.0.0.1 password='" + std::string(kPassword)}) {
    PgOptions options;
    options.url = url;

    const Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);

    ASSERT_FALSE(pool) << url;
    EXPECT_EQ(pool.error().code, ErrorCode::kInvalidArgument) << pool.error().message;
    EXPECT_THAT(pool.error().message, Not(HasSubstr(kPassword)));
  }
}

// A loopback port with nothing listening.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API.
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  ::close(fd);  // Bound, never listened: connections are refused.
  return ntohs(address.sin_port);
}

TEST(PgPoolOptionsTest, AnUnreachableServerIsUnavailableAndKeepsThePasswordOut) {
  PgOptions options;
  options.url = "postgres://amaima:" + std::string(kPassword)
                + "@127.0.0.1:" + std::to_string(ClosedPort()) + "/amaima?connect_timeout=5";

  const Result<std::unique_ptr<PostgresDecisionStore>> store = PostgresDecisionStore::Open(options);

  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("postgres://amaima@127.0.0.1:"));
  EXPECT_THAT(store.error().message, Not(HasSubstr(kPassword)));
}

// A fresh schema on the process's server for each test (a database of its own on demand).
class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<testing::PostgresServer*> server = testing::SharedPostgresServer();
    if (!server) {
      if (server.error().code == ErrorCode::kNotFound && !testing::PostgresRequired()) {
        GTEST_SKIP() << server.error().message;
      }
      FAIL() << server.error().message;
    }
    server_ = *server;
    Result<std::string> url = server_->CreateSchema();
    ASSERT_TRUE(url) << url.error().message;
    url_ = *url;
  }

  void TearDown() override {
    if (server_ != nullptr && !url_.empty()) {
      (void)server_->Drop(url_);
    }
  }

  // Moves the test to a database of its own, for tests that end sessions or refuse logins.
  void UseOwnDatabase() {
    Result<std::string> url = server_->CreateDatabase();
    ASSERT_TRUE(url) << url.error().message;
    ASSERT_TRUE(server_->Drop(url_));
    url_ = *url;
  }

  std::string Database() const { return url_.substr(url_.rfind('/') + 1); }

  PgOptions Options(int pool_size = 4) const {
    PgOptions options;
    options.url = url_;
    options.pool_size = pool_size;
    return options;
  }

  std::unique_ptr<PgPool> OpenPool(const PgOptions& options) {
    Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
    EXPECT_TRUE(pool) << pool.error().message;
    return pool ? std::move(*pool) : nullptr;
  }

  // Ends every other session on the test database and waits until they are gone, as a
  // server restart or an administrator would.
  void TerminateSessions() {
    const Result<std::string> ended = server_->QueryValue(
        server_->Url("postgres"),
        "SELECT count(*) FROM pg_stat_activity, pg_terminate_backend(pid, 10000) AS ended "
        "WHERE datname = '"
            + Database() + "' AND ended");
    ASSERT_TRUE(ended) << ended.error().message;
    ASSERT_NE(*ended, "0");
  }

  std::string Query(const std::string& sql) {
    Result<std::string> value = server_->QueryValue(url_, sql);
    EXPECT_TRUE(value) << value.error().message;
    return value ? *value : "";
  }

  testing::PostgresServer* server_{nullptr};
  std::string url_;
};

TEST_F(PgTest, ParametersKeepTheirTypesAndValues) {
  auto pool = OpenPool(Options());
  ASSERT_NE(pool, nullptr);
  const std::vector<double> doubles = {0.1 + 0.2, -0.0,
                                       5e-324,    1.7976931348623157e308,
                                       -1.5,      std::numeric_limits<double>::infinity()};
  PgParams params;
  params.Text("h\u00e9llo ✓ 'q' \"d\" \\")
      .NullableText(std::nullopt)
      .Int64(INT64_MIN)
      .Int64(INT64_MAX)
      .NullableInt64(std::nullopt)
      .Int32(INT_MIN)
      .Bool(true)
      .Bool(false);
  for (const double value : doubles) {
    params.Double(value);
  }

  const Result<PgResult> result = pool->Run([&params](PgConnection& connection) {
    return connection.Exec(
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
        "pg_typeof($3)::text, pg_typeof($9)::text",
        params);
  });

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->Text(0, 0), "h\u00e9llo ✓ 'q' \"d\" \\");
  EXPECT_TRUE(result->IsNull(0, 1));
  EXPECT_FALSE(result->NullableText(0, 1).has_value());
  EXPECT_EQ(result->Int64(0, 2), INT64_MIN);
  EXPECT_EQ(result->Int64(0, 3), INT64_MAX);
  EXPECT_FALSE(result->NullableInt64(0, 4).has_value());
  EXPECT_EQ(result->Int64(0, 5), INT_MIN);
  EXPECT_TRUE(result->Bool(0, 6));
  EXPECT_FALSE(result->Bool(0, 7));
  for (std::size_t i = 0; i < doubles.size(); ++i) {
    const double read = result->Double(0, 8 + static_cast<int>(i));
    EXPECT_EQ(read, doubles[i]) << result->View(0, 8 + static_cast<int>(i));
    EXPECT_EQ(std::signbit(read), std::signbit(doubles[i]));
  }
  EXPECT_EQ(result->Text(0, 14), "bigint");
  EXPECT_EQ(result->Text(0, 15), "double precision");
}

TEST_F(PgTest, ANulByteIsRefusedBeforeItIsSent) {
  auto pool = OpenPool(Options());
  ASSERT_NE(pool, nullptr);
  PgParams params;
  params.Text(std::string_view("a\0b", 3));

  const Result<PgResult> result = pool->Run(
      [&params](PgConnection& connection) { return connection.Exec("SELECT $1", params); });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PgTest, ErrorsCarryTheMappedCodeAndTheSqlstate) {
  auto pool = OpenPool(Options());
  ASSERT_NE(pool, nullptr);
  const auto run = [&pool](const std::string& sql) {
    return pool->Run([&sql](PgConnection& connection) -> Result<std::string> {
      Result<PgResult> result = connection.Exec(sql);
      if (!result) {
        return Fail(result.error().code, std::string(connection.last_sqlstate()));
      }
      return std::string(connection.last_sqlstate());
    });
  };
  ASSERT_TRUE(run("CREATE TABLE t (id INT PRIMARY KEY, v INT CHECK (v > 0))"));
  ASSERT_TRUE(run("INSERT INTO t VALUES (1, 1)"));

  const Result<std::string> duplicate = run("INSERT INTO t VALUES (1, 1)");
  const Result<std::string> check = run("INSERT INTO t VALUES (2, 0)");
  const Result<std::string> syntax = run("SELEC 1");
  const Result<std::string> bad_text = run("SELECT 'x'::int");
  const Result<std::string> fine = run("SELECT 1");

  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.error().message, "23505");
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(check.error().message, "23514");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, ErrorCode::kInternal);
  ASSERT_FALSE(bad_text);
  EXPECT_EQ(bad_text.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, "");  // Cleared by the next success.
}

TEST_F(PgTest, AFailingBodyRollsItsTransactionBack) {
  auto pool = OpenPool(Options(1));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(pool->Run([](PgConnection& c) { return c.Exec("CREATE TABLE t (id INT)"); }));

  const Status failed = pool->Transact("BEGIN", [](PgConnection& connection) -> Status {
    Result<PgResult> inserted = connection.Exec("INSERT INTO t VALUES (1)");
    if (!inserted) {
      return inserted.error();
    }
    return Fail(ErrorCode::kInvalidArgument, "changed my mind");
  });

  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "changed my mind");
  EXPECT_EQ(Query("SELECT count(*) FROM t"), "0");
  // The one connection went back to the pool outside any transaction.
  Result<PgPool::Lease> lease = pool->Acquire();
  ASSERT_TRUE(lease);
  EXPECT_FALSE((*lease)->in_transaction());
}

TEST_F(PgTest, SerializationFailuresAndDeadlocksAreRetried) {
  auto pool = OpenPool(Options(2));
  ASSERT_NE(pool, nullptr);
  int attempts = 0;

  const Result<int> done = pool->Transact("BEGIN", [&attempts](PgConnection& c) -> Result<int> {
    ++attempts;
    const char* code = attempts == 1   ? "serialization_failure"
                       : attempts == 2 ? "deadlock_detected"
                                       : nullptr;
    if (code != nullptr) {
      Result<PgResult> raised = c.Exec(std::string("DO $$BEGIN RAISE EXCEPTION 'conflict' USING "
                                                   "ERRCODE = '")
                                       + code + "'; END$$");
      if (!raised) {
        return raised.error();
      }
    }
    return attempts;
  });

  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(*done, 3);
}

TEST_F(PgTest, RetriesStopAfterMaxAttempts) {
  PgOptions options = Options(1);
  options.max_attempts = 3;
  auto pool = OpenPool(options);
  ASSERT_NE(pool, nullptr);
  int attempts = 0;

  const Status done = pool->Transact("BEGIN", [&attempts](PgConnection& c) -> Status {
    ++attempts;
    Result<PgResult> raised = c.Exec(
        "DO $$BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END$$");
    if (!raised) {
      return raised.error();
    }
    return {};
  });

  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(attempts, 3);
}

// A real write conflict under REPEATABLE READ: the first try reads, another session commits a
// change to the same row, the first try's update fails with 40001; the second try succeeds.
TEST_F(PgTest, ARealSerializationConflictIsRetriedFromBegin) {
  auto pool = OpenPool(Options(2));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(pool->Run([](PgConnection& c) {
    return c.Exec("CREATE TABLE counter (id INT PRIMARY KEY, v INT NOT NULL)");
  }));
  ASSERT_TRUE(
      pool->Run([](PgConnection& c) { return c.Exec("INSERT INTO counter VALUES (1, 0)"); }));
  int attempts = 0;
  const std::string& url = url_;
  testing::PostgresServer& server = *server_;

  const Status done =
      pool->Transact("BEGIN ISOLATION LEVEL REPEATABLE READ", [&](PgConnection& c) -> Status {
        ++attempts;
        Result<PgResult> read = c.Exec("SELECT v FROM counter WHERE id = 1");  // The snapshot.
        if (!read) {
          return read.error();
        }
        if (attempts == 1) {
          Status other = server.Exec(url, "UPDATE counter SET v = v + 1 WHERE id = 1");
          if (!other) {
            return other;
          }
        }
        Result<PgResult> updated = c.Exec("UPDATE counter SET v = v + 10 WHERE id = 1");
        if (!updated) {
          return updated.error();
        }
        return {};
      });

  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(Query("SELECT v FROM counter"), "11");
}

TEST_F(PgTest, ThePoolWaitsForAConnectionAndTimesOut) {
  PgOptions options = Options(1);
  options.acquire_timeout = std::chrono::milliseconds(0);
  auto pool = OpenPool(options);
  ASSERT_NE(pool, nullptr);

  {
    Result<PgPool::Lease> held = pool->Acquire();
    ASSERT_TRUE(held);
    const Result<PgPool::Lease> none = pool->Acquire();
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
  }

  EXPECT_TRUE(pool->Acquire());
}

TEST_F(PgTest, AWaiterGetsTheConnectionWhenItIsReleased) {
  auto pool = OpenPool(Options(1));
  ASSERT_NE(pool, nullptr);
  std::optional<Result<PgPool::Lease>> held(pool->Acquire());
  ASSERT_TRUE(*held);
  const int pid = (**held)->backend_pid();
  std::atomic<int> waiter_pid{0};

  std::thread waiter([&pool, &waiter_pid] {
    Result<PgPool::Lease> lease = pool->Acquire();  // Blocks until the main thread releases.
    waiter_pid = lease ? (*lease)->backend_pid() : -1;
  });
  held.reset();
  waiter.join();

  EXPECT_EQ(waiter_pid.load(), pid);
}

TEST_F(PgTest, ThePoolNeverOpensMoreThanItsSize) {
  auto pool = OpenPool(Options(3));
  ASSERT_NE(pool, nullptr);
  std::mutex mutex;
  std::set<int> pids;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        const Result<int> pid = pool->Run([](PgConnection& c) -> Result<int> {
          Result<PgResult> result = c.Exec("SELECT pg_backend_pid()");
          if (!result) {
            return result.error();
          }
          return static_cast<int>(result->Int64(0, 0));
        });
        if (!pid) {
          ++failures;
          continue;
        }
        const std::lock_guard lock(mutex);
        pids.insert(*pid);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(pids.size(), 1U);
  EXPECT_LE(pids.size(), 3U);
  EXPECT_EQ(Query("SELECT count(*) <= 3 FROM pg_stat_activity WHERE datname = current_database() "
                  "AND application_name = 'amaima'"),
            "t");
}

TEST_F(PgTest, ConnectionsEndedByTheServerAreReplaced) {
  UseOwnDatabase();
  PgOptions options = Options(3);
  Result<std::unique_ptr<PostgresDecisionStore>> decisions = PostgresDecisionStore::Open(options);
  ASSERT_TRUE(decisions) << decisions.error().message;
  Result<std::unique_ptr<PostgresGovernanceStore>> governance =
      PostgresGovernanceStore::Open(options);
  ASSERT_TRUE(governance) << governance.error().message;
  ASSERT_TRUE(
      (*governance)->AppendAudit({0, "e1", 1, "o", "a", "x", "t", "success", "{}", "", ""}));
  // Open all three connections of the decision store's pool.
  std::vector<std::thread> threads;
  threads.reserve(3);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&decisions] { (void)(*decisions)->List({}, 10, ""); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  TerminateSessions();

  // Reads, writes and audit appends all go through: each meets a dead connection at most once
  // and runs again on a new one.
  for (int i = 0; i < 4; ++i) {
    const Status pinged = (*decisions)->Ping();
    EXPECT_TRUE(pinged) << pinged.error().message;
  }
  StoredDecision record;
  record.decision_id = "0193a2c4-5e6f-7000-8abc-0123456789ab";
  record.body_json = "{}";
  const Status inserted = (*decisions)->InsertBatch(std::span(&record, 1));
  EXPECT_TRUE(inserted) << inserted.error().message;
  EXPECT_TRUE((*decisions)->Get(record.decision_id));
  const Result<AuditEntry> appended =
      (*governance)->AppendAudit({0, "e2", 2, "o", "a", "x", "t", "success", "{}", "", ""});
  ASSERT_TRUE(appended) << appended.error().message;
  EXPECT_EQ(appended->seq, 2);
}

TEST_F(PgTest, AServerThatRefusesConnectionsIsUnavailableUntilItAcceptsThemAgain) {
  UseOwnDatabase();
  Result<std::unique_ptr<PostgresDecisionStore>> store = PostgresDecisionStore::Open(Options(1));
  ASSERT_TRUE(store) << store.error().message;
  const std::string admin = server_->Url("postgres");
  ASSERT_TRUE(server_->Exec(admin, "ALTER DATABASE " + Database() + " ALLOW_CONNECTIONS false"));
  TerminateSessions();

  const Status refused = (*store)->Ping();
  ASSERT_TRUE(server_->Exec(admin, "ALTER DATABASE " + Database() + " ALLOW_CONNECTIONS true"));
  const Status back = (*store)->Ping();

  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(refused.error().message, HasSubstr("reconnect"));
  EXPECT_TRUE(back) << back.error().message;
}

TEST_F(PgTest, NoMessageCarriesThePassword) {
  // The test server trusts every login, so the password is accepted and ignored.
  PgOptions options = Options(1);
  const std::string plain = "postgres://amaima@";
  ASSERT_TRUE(url_.starts_with(plain));
  options.url = "postgres://amaima:" + std::string(kPassword) + "@" + url_.substr(plain.size());
  auto pool = OpenPool(options);
  ASSERT_NE(pool, nullptr);

  const Result<PgResult> failed =
      pool->Run([](PgConnection& c) { return c.Exec("SELECT * FROM no_such_table"); });

  EXPECT_EQ(pool->description(),
            "postgres://amaima@127.0.0.1:" + std::to_string(server_->port()) + "/postgres");
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, HasSubstr("no_such_table"));
  EXPECT_THAT(failed.error().message, Not(HasSubstr(kPassword)));
}

TEST_F(PgTest, TheSchemaVersionOfANewDatabaseIsZeroAndReadingItCreatesNothing) {
  auto pool = OpenPool(Options(1));
  ASSERT_NE(pool, nullptr);

  const Result<int> before = PgSchemaVersion(*pool);
  const std::string tables =
      Query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()");
  ASSERT_TRUE(ApplyPgMigrations(*pool, PgMigrations()));
  const Result<int> after = PgSchemaVersion(*pool);

  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(*before, 0);
  EXPECT_EQ(tables, "0");
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, static_cast<int>(PgMigrations().size()));
}

TEST_F(PgTest, AFailedMigrationLeavesThePreviousVersion) {
  auto pool = OpenPool(Options(1));
  ASSERT_NE(pool, nullptr);
  constexpr std::array<std::string_view, 1> kGood = {"CREATE TABLE first (id INT)"};
  constexpr std::array<std::string_view, 2> kBad = {"CREATE TABLE second (id INT)",
                                                    "CREATE TABLE first (id INT)"};
  const std::array<PgMigration, 2> migrations = {PgMigration{1, "first", kGood},
                                                 PgMigration{2, "broken", kBad}};

  const Status applied = ApplyPgMigrations(*pool, migrations);

  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.error().message, HasSubstr("migration 2 (broken) failed"));
  EXPECT_EQ(*PgSchemaVersion(*pool), 1);
  EXPECT_EQ(Query("SELECT to_regclass('second') IS NULL"), "t");
}

// Every shape of the List query can walk an index in order: with whole-table scans and sorts
// priced out, no plan has a Sort or Seq Scan node.
TEST_F(PgTest, EveryListQueryUsesAnIndexInOrder) {
  auto pool = OpenPool(Options(1));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(PostgresDecisionStore::Open(*pool));

  for (int shape = 0; shape < 16; ++shape) {
    DecisionFilter filter;
    filter.org_id = (shape & 1) != 0 ? "org-a" : "";
    filter.level = (shape & 2) != 0 ? "SIMPLE" : "";
    filter.model = (shape & 4) != 0 ? "small" : "";
    const bool has_cursor = (shape & 8) != 0;
    const std::string sql = PostgresDecisionStore::ListSql(filter, has_cursor);
    PgParams params;
    for (const std::string* value : {&filter.org_id, &filter.level, &filter.model}) {
      if (!value->empty()) {
        params.Text(*value);
      }
    }
    if (has_cursor) {
      params.Text("0193a2c4-5e6f-7000-8abc-0123456789ab");
    }
    params.Int32(51);

    const Result<std::string> plan = pool->Run([&](PgConnection& c) -> Result<std::string> {
      // With sorting priced out too, a Sort node means no index gives the order.
      for (const char* setting :
           {"SET enable_seqscan = off", "SET enable_bitmapscan = off", "SET enable_sort = off"}) {
        Result<PgResult> off = c.Exec(setting);
        if (!off) {
          return off.error();
        }
      }
      Result<PgResult> explained = c.Exec("EXPLAIN " + sql, params);
      if (!explained) {
        return explained.error();
      }
      std::string text;
      for (int row = 0; row < explained->rows(); ++row) {
        text += explained->Text(row, 0) + "\n";
      }
      return text;
    });

    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_THAT(*plan, HasSubstr("Index"));
    EXPECT_THAT(*plan, Not(HasSubstr("Sort")));
    EXPECT_THAT(*plan, Not(HasSubstr("Seq Scan"))) << sql;
  }
}

TEST_F(PgTest, StoresCanShareOnePool) {
  auto pool = OpenPool(Options(2));
  ASSERT_NE(pool, nullptr);

  Result<std::unique_ptr<PostgresDecisionStore>> decisions = PostgresDecisionStore::Open(*pool);
  Result<std::unique_ptr<PostgresGovernanceStore>> governance =
      PostgresGovernanceStore::Open(*pool);

  ASSERT_TRUE(decisions) << decisions.error().message;
  ASSERT_TRUE(governance) << governance.error().message;
  EXPECT_TRUE((*decisions)->Ping());
  EXPECT_TRUE((*governance)->InsertOrg({"acme", "Acme", "", 1}));
  EXPECT_EQ((*governance)->ListOrgs()->size(), 1U);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::storage
