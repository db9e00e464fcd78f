// One suite for every back end: the contracts of DecisionStore and GovernanceStore, as their
// interface comments state them, run against SQLite (a temporary file) and PostgreSQL (a fresh
// schema on a throwaway server, test/support/postgres_server.h). Each back end also offers a
// raw SQL hook, used to tamper with the audit trail and to inspect the schema behind the
// stores' backs. The PostgreSQL-only tests at the end cover what only a shared server allows:
// concurrent appends from several stores and concurrent migrations.
#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstdint>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/core/ids.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/governance_store.h"
#include "amaima/storage/postgres/pg_migrations.h"
#include "amaima/storage/postgres/postgres_decision_store.h"
#include "amaima/storage/postgres/postgres_governance_store.h"
#include "amaima/storage/sqlite/migrations.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"
#include "test/support/fake_clock.h"
#include "test/support/postgres_server.h"

namespace amaima::storage {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14; tests that check results
// field by field exceed the threshold without being complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

// --- Back ends ----------------------------------------------------------------------------

// SQLite: both stores on one temporary file, as the server runs them.
class SqliteBackend {
 public:
  static constexpr std::string_view kName = "Sqlite";

  // The version a store leaves the schema at.
  static std::string SchemaVersion() { return std::to_string(SqliteMigrations().size()); }

  Status Prepare() { return {}; }

  Result<std::unique_ptr<DecisionStore>> OpenDecisionStore() {
    SqliteOptions options;
    options.path = path_;
    options.read_connections = 2;
    Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);
    if (!store) {
      return store.error();
    }
    return std::unique_ptr<DecisionStore>(std::move(*store));
  }

  Result<std::unique_ptr<GovernanceStore>> OpenGovernanceStore() {
    Result<std::unique_ptr<SqliteGovernanceStore>> store = SqliteGovernanceStore::Open(path_);
    if (!store) {
      return store.error();
    }
    return std::unique_ptr<GovernanceStore>(std::move(*store));
  }

  // Runs `sql` on the file directly (foreign keys enforced), as someone with access would.
  Status RawSql(const std::string& sql) {
    Result<SqliteConnection> db = OpenSqliteConnection(path_, SQLITE_OPEN_READWRITE);
    if (!db) {
      return db.error();
    }
    Status keys = ExecSql(db->get(), "PRAGMA foreign_keys = ON");
    if (!keys) {
      return keys;
    }
    return ExecSql(db->get(), sql.c_str());
  }

  // Returns the first column of the first row of `sql`.
  Result<std::string> QueryValue(const std::string& sql) {
    Result<SqliteConnection> db = OpenSqliteConnection(path_, SQLITE_OPEN_READONLY);
    if (!db) {
      return db.error();
    }
    Result<SqliteStatement> query = PrepareSql(db->get(), sql);
    if (!query) {
      return query.error();
    }
    if (sqlite3_step(query->get()) != SQLITE_ROW) {
      return std::string();
    }
    return ColumnText(query->get(), 0);
  }

 private:
  TempDir dir_;
  std::string path_{dir_.File("amaima.db")};
};

// PostgreSQL: both stores on a fresh schema (search_path) of the process's throwaway server.
class PostgresBackend {
 public:
  static constexpr std::string_view kName = "Postgres";

  // The version a store leaves the schema at.
  static std::string SchemaVersion() { return std::to_string(PgMigrations().size()); }

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

  Result<std::unique_ptr<DecisionStore>> OpenDecisionStore() const {
    Result<std::unique_ptr<PostgresDecisionStore>> store = PostgresDecisionStore::Open(Options());
    if (!store) {
      return store.error();
    }
    return std::unique_ptr<DecisionStore>(std::move(*store));
  }

  Result<std::unique_ptr<GovernanceStore>> OpenGovernanceStore() const {
    Result<std::unique_ptr<PostgresGovernanceStore>> store =
        PostgresGovernanceStore::Open(Options());
    if (!store) {
      return store.error();
    }
    return std::unique_ptr<GovernanceStore>(std::move(*store));
  }

  Status RawSql(const std::string& sql) { return server_->Exec(url_, sql); }

  Result<std::string> QueryValue(const std::string& sql) { return server_->QueryValue(url_, sql); }

  const std::string& url() const { return url_; }

  testing::PostgresServer& server() const { return *server_; }

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

// Prepares the back end; skips when PostgreSQL is not installed and not required.
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
  }

  // Ready to open stores: not skipped, no failure so far.
  bool Ready() const { return !IsSkipped() && !HasFailure(); }

  Backend backend_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
};

// --- DecisionStore --------------------------------------------------------------------------

constexpr std::array<std::string_view, 3> kOrgs = {"org-a", "org-b", "org-c"};
constexpr std::array<std::string_view, 5> kLevels = {"TRIVIAL", "SIMPLE", "MODERATE", "COMPLEX",
                                                     "EXPERT"};
constexpr std::array<std::string_view, 4> kModels = {"small", "medium", "large", "huge"};

template <typename Backend>
class DecisionStoreConformanceTest : public BackendTest<Backend> {
 protected:
  void SetUp() override {
    BackendTest<Backend>::SetUp();
    if (!this->Ready()) {
      return;
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<DecisionStore> Open() {
    Result<std::unique_ptr<DecisionStore>> store = this->backend_.OpenDecisionStore();
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Returns a decision whose fields vary with `i`; ids increase with each call.
  StoredDecision MakeDecision(int i) {
    this->clock_.Advance(std::chrono::milliseconds(i % 3));  // Some ids share a millisecond.
    StoredDecision record;
    record.decision_id = this->ids_.NewId();
    record.created_at_ms = UnixMillis(this->clock_.Now());
    record.request_id = "req-" + std::to_string(i);
    const auto index = static_cast<std::size_t>(i);
    record.org_id = kOrgs[index % kOrgs.size()];
    record.level = kLevels[index % kLevels.size()];
    record.model = kModels[index % kModels.size()];
    record.provider = "openai";
    record.actor = "actor-" + std::to_string(i % 4);  // Crosses organisations: 4 against 3.
    record.query_hash = "hash-" + std::to_string(i);
    record.execution_mode = i % 2 == 0 ? "decision-only" : "execution-enabled";
    record.simulated = i % 2 == 0;
    record.decision_schema_version = "1.0.0";
    record.router_model_version = "router-7";
    record.body_json =
        R"({"decision_id":")" + record.decision_id + R"(","n":)" + std::to_string(i) + "}";
    if (i % 7 == 0) {
      record.prompt_text = "prompt " + std::to_string(i);
    }
    return record;
  }

  std::vector<StoredDecision> MakeMany(int count) {
    std::vector<StoredDecision> all;
    all.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      all.push_back(MakeDecision(i));
    }
    return all;
  }

  std::vector<StoredDecision> InsertMany(int count, std::size_t batch_size) {
    std::vector<StoredDecision> all = MakeMany(count);
    for (std::size_t start = 0; start < all.size(); start += batch_size) {
      const std::size_t size = std::min(batch_size, all.size() - start);
      const Status inserted = store_->InsertBatch(std::span(all).subspan(start, size));
      EXPECT_TRUE(inserted) << inserted.error().message;
    }
    return all;
  }

  static std::vector<std::string> IdsNewestFirst(const std::vector<StoredDecision>& records) {
    std::vector<std::string> ids;
    ids.reserve(records.size());
    for (const StoredDecision& record : records) {
      ids.push_back(record.decision_id);
    }
    std::sort(ids.rbegin(), ids.rend());
    return ids;
  }

  // Reads every page of `filter` with `limit`, starting at `cursor`; returns the ids in order.
  std::vector<std::string> ListAll(const DecisionFilter& filter, int limit, int& pages,
                                   std::string cursor = "") {
    std::vector<std::string> ids;
    pages = 0;
    do {
      const Result<DecisionPage> page = store_->List(filter, limit, cursor);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) {
        break;
      }
      EXPECT_LE(static_cast<int>(page->items.size()), limit);
      for (const StoredDecision& item : page->items) {
        ids.push_back(item.decision_id);
      }
      cursor = page->next_cursor;
      ++pages;
    } while (!cursor.empty());
    return ids;
  }

  // Inserts a decision whose classifier said `classified` (in its JSON body), with `prompt`
  // stored when given; returns its id.
  std::string AddDecision(const std::string& classified, std::optional<std::string> prompt,
                          const std::optional<std::string>& body = std::nullopt) {
    StoredDecision record = MakeDecision(1);
    record.level = classified;
    record.body_json = body.value_or(R"({"decision_id":")" + record.decision_id
                                     + R"(","complexity":{"level":")" + classified + R"("}})");
    record.prompt_text = std::move(prompt);
    EXPECT_TRUE(store_->InsertBatch(std::span(&record, 1)));
    return record.decision_id;
  }

  StoredFeedback MakeFeedback(const std::string& decision_id, std::optional<std::string> level,
                              std::optional<int> rating) {
    this->clock_.Advance(std::chrono::milliseconds(1));
    StoredFeedback feedback;
    feedback.feedback_id = this->ids_.NewId();
    feedback.decision_id = decision_id;
    feedback.org_id = "org-a";
    feedback.correct_level = std::move(level);
    feedback.rating = rating;
    feedback.created_at_ms = UnixMillis(this->clock_.Now());
    return feedback;
  }

  std::unique_ptr<DecisionStore> store_;
};

StoredExecution MakeExecution(int i, const std::string& decision_id) {
  StoredExecution record;
  record.request_id = "req-" + std::to_string(i);
  record.decision_id = decision_id;
  record.created_at_ms = 1'763'700'000'000 + i;
  record.org_id = "default";
  record.surface = "chat.completions";
  record.model = "small";
  record.provider = "local";
  record.streamed = i % 2 == 0;
  record.status = i == 3 ? "error" : "ok";
  record.error_code = i == 3 ? "UPSTREAM_SERVER_ERROR" : "";
  record.prompt_tokens = 10 + i;
  record.completion_tokens = 20 + i;
  record.usage_estimated = i == 2;
  record.cost_usd = 0.000123 * i;
  record.upstream_ms = 1.5 * i;
  record.total_ms = 1.75 * i + 0.1;
  record.attempts = i;
  record.actor = i % 2 == 0 ? "key:k" + std::to_string(i) : "user:ü" + std::to_string(i);
  return record;
}

TYPED_TEST_SUITE(DecisionStoreConformanceTest, Backends, BackendName);

TYPED_TEST(DecisionStoreConformanceTest, InsertThenGetReturnsTheSameRecord) {
  StoredDecision with_prompt = this->MakeDecision(0);
  StoredDecision without_prompt = this->MakeDecision(1);
  StoredDecision empty_prompt = this->MakeDecision(2);
  ASSERT_TRUE(with_prompt.prompt_text.has_value());
  ASSERT_FALSE(without_prompt.prompt_text.has_value());
  with_prompt.body_json = "{\"text\":\"h\\u00e9llo \\\"quoted\\\" \\\\ \",\n \"emoji\":\"✓ 日本\"}";
  with_prompt.prompt_text = "multi\nline\ttext with 'quotes' and \"doubles\" and ✓";
  with_prompt.created_at_ms = INT64_MAX;
  without_prompt.created_at_ms = -1;
  empty_prompt.prompt_text = "";
  const std::vector<StoredDecision> batch = {with_prompt, without_prompt, empty_prompt};

  ASSERT_TRUE(this->store_->InsertBatch(batch));

  for (const StoredDecision& record : batch) {
    const Result<StoredDecision> read = this->store_->Get(record.decision_id);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, record);
  }
  EXPECT_FALSE(this->store_->Get(without_prompt.decision_id)->prompt_text.has_value());
  ASSERT_TRUE(this->store_->Get(empty_prompt.decision_id)->prompt_text.has_value());
  EXPECT_EQ(*this->store_->Get(empty_prompt.decision_id)->prompt_text, "");
}

TYPED_TEST(DecisionStoreConformanceTest, LargeBodiesRoundTripByteForByte) {
  StoredDecision record = this->MakeDecision(3);
  std::string body = R"({"blob":")";
  for (int i = 0; i < 20000; ++i) {
    body += "αβγ\\\"x";
  }
  body += "\"}";
  record.body_json = body;

  ASSERT_TRUE(this->store_->InsertBatch(std::span(&record, 1)));
  const Result<StoredDecision> read = this->store_->Get(record.decision_id);

  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->body_json, body);
}

TYPED_TEST(DecisionStoreConformanceTest, GetOfUnknownIdIsNotFound) {
  const Result<StoredDecision> read = this->store_->Get("0193a2c4-5e6f-7000-8abc-0123456789ab");

  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(DecisionStoreConformanceTest, EmptyBatchesSucceedAndStoreNothing) {
  EXPECT_TRUE(this->store_->InsertBatch({}));
  EXPECT_TRUE(this->store_->InsertExecutions({}));

  const Result<DecisionPage> page = this->store_->List({}, 10, "");

  ASSERT_TRUE(page);
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_cursor.empty());
}

TYPED_TEST(DecisionStoreConformanceTest, DuplicateIdFailsTheWholeBatch) {
  const StoredDecision a = this->MakeDecision(1);
  const StoredDecision b = this->MakeDecision(2);
  const std::vector<StoredDecision> batch = {a, b, a};

  const Status inserted = this->store_->InsertBatch(batch);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->Get(a.decision_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->Get(b.decision_id).error().code, ErrorCode::kNotFound);
  // The store is usable again after the rollback, and stored ids stay unique.
  ASSERT_TRUE(this->store_->InsertBatch(std::span(&a, 1)));
  const StoredDecision c = this->MakeDecision(3);
  const std::vector<StoredDecision> second = {c, a};
  EXPECT_EQ(this->store_->InsertBatch(second).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->Get(c.decision_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->List({}, 10, "")->items.size(), 1U);
}

TYPED_TEST(DecisionStoreConformanceTest, ListPagesNewestFirstWithoutGapsOrDuplicates) {
  const std::vector<StoredDecision> all = this->InsertMany(237, 50);

  int pages = 0;
  const std::vector<std::string> listed = this->ListAll({}, 25, pages);

  EXPECT_EQ(listed, this->IdsNewestFirst(all));
  EXPECT_EQ(pages, 10);  // 9 full pages and one of 12.
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), all.size());
}

TYPED_TEST(DecisionStoreConformanceTest, ListEndsWithoutAnEmptyPageOnAnExactMultiple) {
  this->InsertMany(100, 100);

  int pages = 0;
  const std::vector<std::string> listed = this->ListAll({}, 50, pages);

  EXPECT_EQ(listed.size(), 100U);
  EXPECT_EQ(pages, 2);
}

TYPED_TEST(DecisionStoreConformanceTest, PagesHoldWhileNewerDecisionsAreInserted) {
  const std::vector<StoredDecision> older = this->InsertMany(120, 40);
  std::vector<StoredDecision> newer = this->MakeMany(100);
  const Result<DecisionPage> first = this->store_->List({}, 15, "");
  ASSERT_TRUE(first);
  std::vector<std::string> listed;
  for (const StoredDecision& item : first->items) {
    listed.push_back(item.decision_id);
  }

  // A writer inserts newer decisions while the remaining pages are read.
  DecisionStore& store = *this->store_;
  std::atomic<int> failures{0};
  std::thread writer([&store, &newer, &failures] {
    for (std::size_t start = 0; start < newer.size(); start += 5) {
      failures += store.InsertBatch(std::span(newer).subspan(start, 5)) ? 0 : 1;
    }
  });
  int pages = 0;
  const std::vector<std::string> rest = this->ListAll({}, 15, pages, first->next_cursor);
  writer.join();
  listed.insert(listed.end(), rest.begin(), rest.end());

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(listed, this->IdsNewestFirst(older));
  // The newer ones come first in a new listing.
  const Result<DecisionPage> fresh = this->store_->List({}, 500, "");
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh->items.size(), older.size() + newer.size());
  EXPECT_EQ(fresh->items.front().decision_id, newer.back().decision_id);
}

TYPED_TEST(DecisionStoreConformanceTest, FiltersMatchEveryCombination) {
  const std::vector<StoredDecision> all = this->InsertMany(240, 240);
  const std::vector<DecisionFilter> filters = {
      {"", "", ""},
      {"org-a", "", ""},
      {"", "COMPLEX", ""},
      {"", "", "large"},
      {"org-b", "SIMPLE", ""},
      {"org-c", "", "huge"},
      {"", "EXPERT", "small"},
      {"org-a", "TRIVIAL", "small"},
      {"org-x", "", ""},
      {"org-a", "", "", "actor-1"},
      {"org-b", "SIMPLE", "", "actor-2"},
      {"", "", "", "actor-0"},
      {"org-a", "", "", "actor-9"},
  };

  for (const DecisionFilter& filter : filters) {
    std::vector<StoredDecision> matching;
    for (const StoredDecision& record : all) {
      if ((filter.org_id.empty() || record.org_id == filter.org_id)
          && (filter.level.empty() || record.level == filter.level)
          && (filter.model.empty() || record.model == filter.model)
          && (filter.actor.empty() || record.actor == filter.actor)) {
        matching.push_back(record);
      }
    }

    int pages = 0;
    const std::vector<std::string> listed = this->ListAll(filter, 7, pages);

    EXPECT_EQ(listed, this->IdsNewestFirst(matching))
        << filter.org_id << "/" << filter.level << "/" << filter.model << "/" << filter.actor;
  }
}

TYPED_TEST(DecisionStoreConformanceTest, ListClampsTheLimit) {
  this->InsertMany(510, 510);

  for (const int small : {0, -3, INT_MIN}) {
    const Result<DecisionPage> page = this->store_->List({}, small, "");
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->items.size(), 1U) << small;
    EXPECT_FALSE(page->next_cursor.empty());
  }
  for (const int large : {kMaxDecisionListLimit, kMaxDecisionListLimit + 1, 100000, INT_MAX}) {
    const Result<DecisionPage> page = this->store_->List({}, large, "");
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->items.size(), static_cast<std::size_t>(kMaxDecisionListLimit)) << large;
    EXPECT_FALSE(page->next_cursor.empty());
  }
}

TYPED_TEST(DecisionStoreConformanceTest, MalformedCursorsAreInvalidArgument) {
  this->InsertMany(3, 3);
  const std::string uuid = "0193a2c4-5e6f-7000-8abc-0123456789ab";
  std::string upper = uuid;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::string valid = EncodeDecisionCursor(uuid);

  for (const std::string& cursor : {std::string("not a cursor"), EncodeDecisionCursor("not-a-uuid"),
                                    EncodeDecisionCursor(upper), valid + "=", valid.substr(1),
                                    std::string("d1:") + uuid, std::string("!!!!")}) {
    const Result<DecisionPage> page = this->store_->List({}, 10, cursor);

    ASSERT_FALSE(page) << cursor;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument) << cursor;
    EXPECT_EQ(page.error().reason, kInvalidCursorReason) << cursor;
  }
}

TYPED_TEST(DecisionStoreConformanceTest, ACursorResumesStrictlyAfterItsId) {
  const std::vector<StoredDecision> all = this->InsertMany(30, 30);
  const std::vector<std::string> ids = this->IdsNewestFirst(all);

  // A cursor is EncodeDecisionCursor of the last id: the same format on every back end.
  const Result<DecisionPage> page = this->store_->List({}, 5, EncodeDecisionCursor(ids[9]));
  // A cursor for an id that is not stored still pages by key.
  const Result<DecisionPage> beyond =
      this->store_->List({}, 5, EncodeDecisionCursor("00000000-0000-7000-8000-000000000000"));
  const Result<DecisionPage> first = this->store_->List({}, 5, "");

  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 5U);
  EXPECT_EQ(page->items.front().decision_id, ids[10]);
  EXPECT_EQ(page->next_cursor, EncodeDecisionCursor(ids[14]));
  ASSERT_TRUE(beyond);
  EXPECT_TRUE(beyond->items.empty());
  EXPECT_TRUE(beyond->next_cursor.empty());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->next_cursor, EncodeDecisionCursor(ids[4]));
}

TYPED_TEST(DecisionStoreConformanceTest, ExecutionsAreListedByDecisionOldestFirst) {
  const std::string decision = this->MakeDecision(1).decision_id;  // Never stored: no link.
  const std::vector<StoredExecution> batch = {
      MakeExecution(2, decision), MakeExecution(1, decision), MakeExecution(3, "another-decision")};
  ASSERT_TRUE(this->store_->InsertExecutions(batch));

  const Result<std::vector<StoredExecution>> listed = this->store_->ListExecutions(decision);

  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, (std::vector<StoredExecution>{batch[1], batch[0]}));
  EXPECT_EQ(*this->store_->ListExecutions("another-decision"),
            (std::vector<StoredExecution>{batch[2]}));
  EXPECT_TRUE(this->store_->ListExecutions("none")->empty());
}

TYPED_TEST(DecisionStoreConformanceTest, ExecutionNumbersRoundTripExactly) {
  StoredExecution record = MakeExecution(5, "d");
  record.cost_usd = 0.1 + 0.2;
  record.upstream_ms = 5e-324;
  record.total_ms = 1.7976931348623157e308;
  record.prompt_tokens = INT64_MAX;
  record.completion_tokens = INT64_MIN;
  record.attempts = INT_MAX;
  StoredExecution same_time = MakeExecution(6, "d");
  same_time.created_at_ms = record.created_at_ms;  // Ties are ordered by request_id.
  same_time.request_id = "req-0";

  ASSERT_TRUE(this->store_->InsertExecutions(std::vector<StoredExecution>{record, same_time}));
  const Result<std::vector<StoredExecution>> listed = this->store_->ListExecutions("d");

  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, (std::vector<StoredExecution>{same_time, record}));
}

TYPED_TEST(DecisionStoreConformanceTest, DuplicateExecutionFailsItsWholeBatch) {
  const std::vector<StoredExecution> batch = {MakeExecution(1, "d"), MakeExecution(2, "d"),
                                              MakeExecution(1, "d")};

  const Status inserted = this->store_->InsertExecutions(batch);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(this->store_->ListExecutions("d")->empty());
  EXPECT_TRUE(this->store_->InsertExecutions(std::span(batch.data(), 2)));
  EXPECT_EQ(this->store_->ListExecutions("d")->size(), 2U);
  EXPECT_EQ(this->store_->InsertExecutions(std::span(batch.data(), 1)).error().code,
            ErrorCode::kAlreadyExists);
}

TYPED_TEST(DecisionStoreConformanceTest, AnInvalidExecutionStatusFailsItsWholeBatch) {
  StoredExecution bad = MakeExecution(2, "d");
  bad.status = "maybe";
  const std::vector<StoredExecution> batch = {MakeExecution(1, "d"), bad};

  const Status inserted = this->store_->InsertExecutions(batch);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(this->store_->ListExecutions("d")->empty());
}

TYPED_TEST(DecisionStoreConformanceTest, DecisionsAndExecutionsAreInsertedTogether) {
  const std::vector<StoredDecision> decisions = {this->MakeDecision(1), this->MakeDecision(2)};
  const std::vector<StoredExecution> executions = {MakeExecution(1, decisions[0].decision_id),
                                                   MakeExecution(2, decisions[1].decision_id)};

  const DecisionStore::BatchOutcome outcome =
      this->store_->InsertDecisionsAndExecutions(decisions, executions);

  EXPECT_TRUE(outcome.decisions) << outcome.decisions.error().message;
  EXPECT_TRUE(outcome.executions) << outcome.executions.error().message;
  EXPECT_EQ(*this->store_->Get(decisions[1].decision_id), decisions[1]);
  EXPECT_EQ(*this->store_->ListExecutions(decisions[0].decision_id),
            (std::vector<StoredExecution>{executions[0]}));
}

TYPED_TEST(DecisionStoreConformanceTest, FailedExecutionsLeaveTheirDecisionsStored) {
  const std::vector<StoredDecision> decisions = {this->MakeDecision(1), this->MakeDecision(2)};
  const std::string id = decisions[0].decision_id;
  const std::vector<StoredExecution> executions = {MakeExecution(1, id), MakeExecution(2, id),
                                                   MakeExecution(1, id)};

  const DecisionStore::BatchOutcome outcome =
      this->store_->InsertDecisionsAndExecutions(decisions, executions);

  EXPECT_TRUE(outcome.decisions) << outcome.decisions.error().message;
  ASSERT_FALSE(outcome.executions);
  EXPECT_EQ(outcome.executions.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(this->store_->Get(decisions[0].decision_id));
  EXPECT_TRUE(this->store_->Get(decisions[1].decision_id));
  EXPECT_TRUE(this->store_->ListExecutions(id)->empty());
  // The store is usable afterwards.
  const DecisionStore::BatchOutcome next = this->store_->InsertDecisionsAndExecutions(
      std::vector<StoredDecision>{this->MakeDecision(3)}, std::span(executions.data(), 2));
  EXPECT_TRUE(next.decisions && next.executions);
  EXPECT_EQ(this->store_->ListExecutions(id)->size(), 2U);
}

TYPED_TEST(DecisionStoreConformanceTest, FailedDecisionsLeaveTheExecutionsStored) {
  const StoredDecision stored = this->MakeDecision(1);
  ASSERT_TRUE(this->store_->InsertBatch(std::vector<StoredDecision>{stored}));
  const std::vector<StoredDecision> decisions = {this->MakeDecision(2), stored};
  const std::vector<StoredExecution> executions = {MakeExecution(1, "d")};

  const DecisionStore::BatchOutcome outcome =
      this->store_->InsertDecisionsAndExecutions(decisions, executions);

  ASSERT_FALSE(outcome.decisions);
  EXPECT_EQ(outcome.decisions.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(outcome.executions) << outcome.executions.error().message;
  EXPECT_EQ(this->store_->Get(decisions[0].decision_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*this->store_->ListExecutions("d"), executions);
}

TYPED_TEST(DecisionStoreConformanceTest, FeedbackIsListedByDecisionOldestFirst) {
  const std::string decision = this->AddDecision("SIMPLE", "hello");
  const std::string other = this->AddDecision("SIMPLE", std::nullopt);
  StoredFeedback first = this->MakeFeedback(decision, "COMPLEX", 2);
  first.comment = "needed a stronger model: \"quoted\", \u00e9";
  const StoredFeedback second = this->MakeFeedback(decision, std::nullopt, 5);
  const StoredFeedback elsewhere = this->MakeFeedback(other, "TRIVIAL", std::nullopt);
  ASSERT_TRUE(this->store_->InsertFeedback(second));
  ASSERT_TRUE(this->store_->InsertFeedback(first));  // Insertion order does not matter; ids do.
  ASSERT_TRUE(this->store_->InsertFeedback(elsewhere));

  const Result<std::vector<StoredFeedback>> listed = this->store_->ListFeedback(decision);

  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, (std::vector<StoredFeedback>{first, second}));
  EXPECT_FALSE((*listed)[1].correct_level.has_value());
  EXPECT_FALSE((*listed)[1].comment.has_value());
  EXPECT_EQ(*this->store_->ListFeedback(other), (std::vector<StoredFeedback>{elsewhere}));
  EXPECT_TRUE(this->store_->ListFeedback(this->ids_.NewId())->empty());
}

TYPED_TEST(DecisionStoreConformanceTest, FeedbackOnAnUnknownDecisionIsNotFound) {
  const StoredFeedback feedback = this->MakeFeedback(this->ids_.NewId(), "EXPERT", std::nullopt);

  const Status inserted = this->store_->InsertFeedback(feedback);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kNotFound);
  // The store is usable afterwards.
  const std::string decision = this->AddDecision("SIMPLE", "hi");
  EXPECT_TRUE(this->store_->InsertFeedback(this->MakeFeedback(decision, "TRIVIAL", std::nullopt)));
}

TYPED_TEST(DecisionStoreConformanceTest, DuplicateFeedbackIdIsAlreadyExists) {
  const StoredFeedback feedback =
      this->MakeFeedback(this->AddDecision("SIMPLE", "hi"), "TRIVIAL", 4);
  ASSERT_TRUE(this->store_->InsertFeedback(feedback));

  const Status again = this->store_->InsertFeedback(feedback);

  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->ListFeedback(feedback.decision_id)->size(), 1U);
}

TYPED_TEST(DecisionStoreConformanceTest, InvalidFeedbackIsRefusedByTheStoreAndTheSchema) {
  const std::string decision = this->AddDecision("SIMPLE", "hi");
  StoredFeedback no_level_no_rating = this->MakeFeedback(decision, std::nullopt, std::nullopt);
  StoredFeedback bad_level = this->MakeFeedback(decision, "HARD", std::nullopt);
  StoredFeedback bad_rating = this->MakeFeedback(decision, std::nullopt, 6);
  StoredFeedback long_comment = this->MakeFeedback(decision, "SIMPLE", std::nullopt);
  long_comment.comment = std::string(kMaxFeedbackCommentBytes + 1, 'x');

  for (const StoredFeedback& feedback : {no_level_no_rating, bad_level, bad_rating, long_comment}) {
    const Status inserted = this->store_->InsertFeedback(feedback);

    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(inserted.error().reason.empty());
  }
  EXPECT_TRUE(this->store_->ListFeedback(decision)->empty());

  // The tables refuse the same rows when they are written around the store.
  const std::string prefix =
      "INSERT INTO feedback (feedback_id, decision_id, org_id, correct_level, rating, comment, "
      "created_at_ms) VALUES ('f', '"
      + decision + "', 'org-a', ";
  for (const std::string& values :
       {std::string("NULL, NULL, NULL, 1)"), std::string("'HARD', NULL, NULL, 1)"),
        std::string("NULL, 0, NULL, 1)"),
        "'SIMPLE', NULL, '" + std::string(kMaxFeedbackCommentBytes + 1, 'x') + "', 1)"}) {
    EXPECT_FALSE(this->backend_.RawSql(prefix + values)) << values;
  }
  EXPECT_FALSE(this->backend_.RawSql(
      "INSERT INTO feedback (feedback_id, decision_id, org_id, correct_level, rating, comment, "
      "created_at_ms) VALUES ('g', 'no-such-decision', 'o', 'SIMPLE', NULL, NULL, 1)"));
  const Status at_limit = this->backend_.RawSql(
      prefix + "'SIMPLE', 5, '" + std::string(kMaxFeedbackCommentBytes, 'x') + "', 1)");
  EXPECT_TRUE(at_limit) << at_limit.error().message;
}

TYPED_TEST(DecisionStoreConformanceTest, SamplesNeedALevelAndAStoredPrompt) {
  const std::string with_text = this->AddDecision("SIMPLE", "prove the four colour theorem");
  const std::string without_text = this->AddDecision("MODERATE", std::nullopt);
  const std::string other_text = this->AddDecision("EXPERT", "hi");
  const StoredFeedback corrected = this->MakeFeedback(with_text, "EXPERT", 1);
  const StoredFeedback rating_only = this->MakeFeedback(with_text, std::nullopt, 3);
  const StoredFeedback no_text = this->MakeFeedback(without_text, "COMPLEX", std::nullopt);
  const StoredFeedback no_text_again = this->MakeFeedback(without_text, "SIMPLE", std::nullopt);
  const StoredFeedback second = this->MakeFeedback(other_text, "TRIVIAL", std::nullopt);
  for (const StoredFeedback& feedback : {corrected, rating_only, no_text, no_text_again, second}) {
    ASSERT_TRUE(this->store_->InsertFeedback(feedback));
  }

  const Result<FeedbackSamples> samples = this->store_->ListFeedbackSamples();

  ASSERT_TRUE(samples) << samples.error().message;
  const std::vector<FeedbackSample> expected = {
      {corrected.feedback_id, with_text, "prove the four colour theorem", "EXPERT", "SIMPLE",
       corrected.created_at_ms},
      {second.feedback_id, other_text, "hi", "TRIVIAL", "EXPERT", second.created_at_ms},
  };
  EXPECT_EQ(samples->samples, expected);
  EXPECT_EQ(samples->skipped_without_text, 2);
}

TYPED_TEST(DecisionStoreConformanceTest, ClassifiedLevelIsEmptyWhenTheBodyDoesNotRecordIt) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"not json", ""},
      {R"({"complexity":{}})", ""},
      {R"({"complexity":"EXPERT"})", ""},
      {"[1, 2, 3]", ""},
      {R"({"complexity":{"level":"COMPLEX","score":0.5}})", "COMPLEX"},
  };
  for (const auto& [body, classified] : bodies) {
    const std::string decision = this->AddDecision("SIMPLE", "hello", body);
    ASSERT_TRUE(
        this->store_->InsertFeedback(this->MakeFeedback(decision, "TRIVIAL", std::nullopt)));
  }

  const Result<FeedbackSamples> samples = this->store_->ListFeedbackSamples();

  ASSERT_TRUE(samples) << samples.error().message;
  ASSERT_EQ(samples->samples.size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(samples->samples[i].classified_level, bodies[i].second) << bodies[i].first;
    EXPECT_EQ(samples->samples[i].text, "hello");
  }
  EXPECT_EQ(samples->skipped_without_text, 0);
}

TYPED_TEST(DecisionStoreConformanceTest, PingAnswersOnAReachableStore) {
  const Status pinged = this->store_->Ping();

  EXPECT_TRUE(pinged) << pinged.error().message;
}

TYPED_TEST(DecisionStoreConformanceTest, ASecondStoreSeesTheDataAndMigratesNothingAgain) {
  StoredDecision record = this->MakeDecision(7);
  ASSERT_TRUE(this->store_->InsertBatch(std::span(&record, 1)));
  const Result<std::string> applied_before =
      this->backend_.QueryValue("SELECT count(*) FROM schema_migrations");

  const std::unique_ptr<DecisionStore> second = this->Open();

  ASSERT_NE(second, nullptr);
  const Result<StoredDecision> read = second->Get(record.decision_id);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, record);
  ASSERT_TRUE(applied_before);
  EXPECT_EQ(*applied_before, TypeParam::SchemaVersion());  // Versions 1..n, each once.
  EXPECT_EQ(*this->backend_.QueryValue("SELECT max(version) FROM schema_migrations"),
            TypeParam::SchemaVersion());
  EXPECT_EQ(*this->backend_.QueryValue("SELECT count(*) FROM schema_migrations"),
            TypeParam::SchemaVersion());
}

TYPED_TEST(DecisionStoreConformanceTest, ConcurrentReadersAndAWriterSeeConsistentData) {
  const std::vector<StoredDecision> records = this->MakeMany(200);
  DecisionStore& store = *this->store_;
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(4);
  for (std::size_t t = 0; t < 4; ++t) {
    readers.emplace_back([&store, &records, &failures, t] {
      for (std::size_t i = 0; i < 40; ++i) {
        const Result<DecisionPage> page = store.List({}, 20, "");
        const Result<StoredDecision> read =
            store.Get(records[(i * 4 + t) % records.size()].decision_id);
        const bool read_ok = (read && *read == records[(i * 4 + t) % records.size()])
                             || (!read && read.error().code == ErrorCode::kNotFound);
        failures += page && read_ok && store.Ping() ? 0 : 1;
      }
    });
  }
  for (std::size_t start = 0; start < records.size(); start += 20) {
    failures += store.InsertBatch(std::span(records).subspan(start, 20)) ? 0 : 1;
  }
  for (std::thread& reader : readers) {
    reader.join();
  }

  EXPECT_EQ(failures.load(), 0);
  const Result<DecisionPage> all = store.List({}, 500, "");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), records.size());
}

// --- GovernanceStore ------------------------------------------------------------------------

template <typename Backend>
class GovernanceStoreConformanceTest : public BackendTest<Backend> {
 protected:
  void SetUp() override {
    BackendTest<Backend>::SetUp();
    if (!this->Ready()) {
      return;
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->InsertOrg({"acme", "Acme", "", 1000}));
  }

  std::unique_ptr<GovernanceStore> Open() {
    Result<std::unique_ptr<GovernanceStore>> store = this->backend_.OpenGovernanceStore();
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  static StoredApiKey Key(std::string id, char hash_char) {
    StoredApiKey key;
    key.key_id = std::move(id);
    key.org_id = "acme";
    key.name = "ci";
    key.role = Role::kUser;
    key.prefix = "amk_abcd";
    key.secret_hash = std::string(64, hash_char);
    key.scopes = {"decisions:write", "feedback"};
    key.created_at_ms = 2000;
    key.expires_at_ms = 9000;
    return key;
  }

  AuditEntry Event(std::string action, std::string org = "acme", std::string actor = "key:k1") {
    AuditEntry entry;
    entry.event_id = "e-" + action + std::to_string(++events_);
    entry.created_at_ms = 1000 + events_;
    entry.org_id = std::move(org);
    entry.actor = std::move(actor);
    entry.action = std::move(action);
    entry.target = "key:k2";
    entry.outcome = "success";
    entry.details_json = R"({"role":"user","note":"é \"q\""})";
    return entry;
  }

  void AppendEvents(int count) {
    for (int i = 0; i < count; ++i) {
      const Result<AuditEntry> appended = store_->AppendAudit(Event("key.create"));
      ASSERT_TRUE(appended) << appended.error().message;
    }
  }

  void Tamper(const std::string& sql) {
    const Status done = this->backend_.RawSql(sql);
    ASSERT_TRUE(done) << sql << ": " << done.error().message;
  }

  // Every row, oldest first.
  std::vector<AuditEntry> AllAudit() {
    const Result<AuditPage> page = store_->ListAudit({}, 100000, "");
    EXPECT_TRUE(page) << page.error().message;
    std::vector<AuditEntry> entries = page ? page->entries : std::vector<AuditEntry>{};
    std::reverse(entries.begin(), entries.end());
    return entries;
  }

  std::unique_ptr<GovernanceStore> store_;
  int events_{0};
};

TYPED_TEST_SUITE(GovernanceStoreConformanceTest, Backends, BackendName);

TYPED_TEST(GovernanceStoreConformanceTest, OrgsAreStoredListedInIdOrderAndSwitched) {
  ASSERT_TRUE(this->store_->InsertOrg({"beta", "Beta", "execution-enabled", 5}));
  ASSERT_TRUE(this->store_->InsertOrg({"Zed", "Zed Inc", "decision-only", 7}));

  ASSERT_TRUE(this->store_->SetOrgExecutionMode("acme", "decision-only"));

  EXPECT_EQ(*this->store_->GetOrg("acme"), (StoredOrg{"acme", "Acme", "decision-only", 1000}));
  const Result<std::vector<StoredOrg>> orgs = this->store_->ListOrgs();
  ASSERT_TRUE(orgs) << orgs.error().message;
  // Byte order, whatever the database's locale: upper case first.
  EXPECT_EQ(*orgs, (std::vector<StoredOrg>{{"Zed", "Zed Inc", "decision-only", 7},
                                           {"acme", "Acme", "decision-only", 1000},
                                           {"beta", "Beta", "execution-enabled", 5}}));
  ASSERT_TRUE(this->store_->SetOrgExecutionMode("acme", ""));
  EXPECT_EQ(this->store_->GetOrg("acme")->execution_mode, "");
}

TYPED_TEST(GovernanceStoreConformanceTest, OrgErrorsNameTheirCause) {
  EXPECT_EQ(this->store_->InsertOrg({"acme", "Other", "", 1}).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->InsertOrg({"other", "Acme", "", 1}).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->store_->SetOrgExecutionMode("nobody", "").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->SetOrgExecutionMode("acme", "sometimes").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->store_->InsertOrg({"odd", "Odd", "sometimes", 1}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->store_->GetOrg("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetOrg("acme")->execution_mode, "");
  EXPECT_EQ(this->store_->ListOrgs()->size(), 1U);
}

TYPED_TEST(GovernanceStoreConformanceTest, KeysRoundTripAndAreFoundByTheirHashOnly) {
  const StoredApiKey key = this->Key("k1", 'a');
  StoredApiKey bare = this->Key("k2", 'b');
  bare.role = Role::kAdmin;
  bare.scopes = {};
  bare.expires_at_ms = std::nullopt;
  bare.revoked_at_ms = 4000;
  ASSERT_TRUE(this->store_->InsertApiKey(key));
  ASSERT_TRUE(this->store_->InsertApiKey(bare));

  EXPECT_EQ(*this->store_->FindApiKeyByHash(key.secret_hash), key);
  EXPECT_EQ(*this->store_->GetApiKey("k1"), key);
  EXPECT_EQ(*this->store_->GetApiKey("k2"), bare);
  EXPECT_EQ(this->store_->FindApiKeyByHash(std::string(64, 'c')).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->FindApiKeyByHash("k1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetApiKey("k9").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*this->store_->CountApiKeys(), 2);
}

TYPED_TEST(GovernanceStoreConformanceTest, DuplicateKeysAndUnknownOrgsAreRefused) {
  ASSERT_TRUE(this->store_->InsertApiKey(this->Key("k1", 'a')));
  StoredApiKey orphan = this->Key("k2", 'c');
  orphan.org_id = "nobody";
  StoredApiKey short_hash = this->Key("k3", 'd');
  short_hash.secret_hash = "abc";

  EXPECT_EQ(this->store_->InsertApiKey(this->Key("k1", 'b')).error().code,
            ErrorCode::kAlreadyExists);  // The id.
  EXPECT_EQ(this->store_->InsertApiKey(this->Key("k2", 'a')).error().code,
            ErrorCode::kAlreadyExists);  // The secret.
  EXPECT_EQ(this->store_->InsertApiKey(orphan).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->InsertApiKey(short_hash).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*this->store_->CountApiKeys(), 1);
}

TYPED_TEST(GovernanceStoreConformanceTest, RevocationKeepsTheFirstTime) {
  ASSERT_TRUE(this->store_->InsertApiKey(this->Key("k1", 'a')));

  ASSERT_TRUE(this->store_->RevokeApiKey("k1", 5000));
  ASSERT_TRUE(this->store_->RevokeApiKey("k1", 6000));

  EXPECT_EQ(this->store_->GetApiKey("k1")->revoked_at_ms, 5000);
  EXPECT_EQ(this->store_->RevokeApiKey("k9", 1).error().code, ErrorCode::kNotFound);
}

TYPED_TEST(GovernanceStoreConformanceTest, ListsKeysPerOrgNewestFirst) {
  ASSERT_TRUE(this->store_->InsertOrg({"globex", "Globex", "", 1}));
  StoredApiKey older = this->Key("k1", 'a');
  StoredApiKey newer = this->Key("k2", 'b');
  newer.created_at_ms = 3000;
  StoredApiKey tie = this->Key("k0", 'e');  // Same time as k1: the larger id comes first.
  StoredApiKey elsewhere = this->Key("k3", 'c');
  elsewhere.org_id = "globex";
  elsewhere.created_at_ms = 2500;
  for (const StoredApiKey& key : {older, newer, tie, elsewhere}) {
    ASSERT_TRUE(this->store_->InsertApiKey(key));
  }

  const Result<std::vector<StoredApiKey>> acme = this->store_->ListApiKeys("acme");
  const Result<std::vector<StoredApiKey>> all = this->store_->ListApiKeys("");

  ASSERT_TRUE(acme) << acme.error().message;
  EXPECT_EQ(*acme, (std::vector<StoredApiKey>{newer, older, tie}));
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (std::vector<StoredApiKey>{newer, elsewhere, older, tie}));
  EXPECT_TRUE(this->store_->ListApiKeys("nobody")->empty());
  EXPECT_EQ(*this->store_->CountApiKeys(), 4);
}

TYPED_TEST(GovernanceStoreConformanceTest, AppendsAssignSeqsAndLinkTheChain) {
  std::vector<AuditEntry> appended;
  for (int i = 0; i < 3; ++i) {
    AuditEntry entry = this->Event("key.create");
    entry.seq = 99;  // Ignored: the store assigns it.
    entry.prev_hash = "forged";
    const Result<AuditEntry> stored = this->store_->AppendAudit(entry);
    ASSERT_TRUE(stored) << stored.error().message;
    appended.push_back(*stored);
  }

  EXPECT_EQ(appended[0].seq, 1);
  EXPECT_EQ(appended[1].seq, 2);
  EXPECT_EQ(appended[2].seq, 3);
  EXPECT_EQ(appended[0].prev_hash, kAuditGenesisHash);
  EXPECT_EQ(appended[1].prev_hash, appended[0].row_hash);
  EXPECT_EQ(appended[2].prev_hash, appended[1].row_hash);
  for (const AuditEntry& entry : appended) {
    EXPECT_EQ(entry.row_hash, AuditRowHash(entry));
  }
  EXPECT_EQ(this->AllAudit(), appended);  // Stored byte for byte.
  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->rows, 3);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TYPED_TEST(GovernanceStoreConformanceTest, ABatchAppendsConsecutiveLinkedRows) {
  const Result<AuditEntry> first = this->store_->AppendAudit(this->Event("key.create"));
  ASSERT_TRUE(first) << first.error().message;

  const Result<std::vector<AuditEntry>> batch = this->store_->AppendAuditBatch(
      {this->Event("execution"), this->Event("execution"), this->Event("execution")});
  const Result<AuditEntry> after = this->store_->AppendAudit(this->Event("key.revoke"));

  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->size(), 3U);
  std::vector<AuditEntry> expected = {*first};
  expected.insert(expected.end(), batch->begin(), batch->end());
  ASSERT_TRUE(after) << after.error().message;
  expected.push_back(*after);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].seq, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(expected[i].prev_hash,
              i == 0 ? std::string(kAuditGenesisHash) : expected[i - 1].row_hash);
    EXPECT_EQ(expected[i].row_hash, AuditRowHash(expected[i]));
  }
  EXPECT_EQ(this->AllAudit(), expected);
  const Result<std::vector<AuditEntry>> empty = this->store_->AppendAuditBatch({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(this->AllAudit().size(), expected.size());
}

TYPED_TEST(GovernanceStoreConformanceTest, ABatchWithADuplicateEventIdAppendsNothing) {
  const Result<AuditEntry> first = this->store_->AppendAudit(this->Event("key.create"));
  ASSERT_TRUE(first);
  const AuditEntry twice = this->Event("execution");

  const Result<std::vector<AuditEntry>> within =
      this->store_->AppendAuditBatch({this->Event("execution"), twice, twice});
  const Result<std::vector<AuditEntry>> stored_before =
      this->store_->AppendAuditBatch({this->Event("execution"), *first});

  ASSERT_FALSE(within);
  EXPECT_EQ(within.error().code, ErrorCode::kAlreadyExists);
  ASSERT_FALSE(stored_before);
  EXPECT_EQ(stored_before.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->AllAudit(), std::vector<AuditEntry>{*first});
  const Result<AuditEntry> next = this->store_->AppendAudit(this->Event("key.revoke"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->seq, 2);
  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TYPED_TEST(GovernanceStoreConformanceTest, ADuplicateEventIdIsRefusedAndTheChainStaysWhole) {
  const AuditEntry entry = this->Event("key.create");
  ASSERT_TRUE(this->store_->AppendAudit(entry));

  const Result<AuditEntry> again = this->store_->AppendAudit(entry);

  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  const Result<AuditEntry> next = this->store_->AppendAudit(this->Event("key.revoke"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->seq, 2);
  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->rows, 2);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TYPED_TEST(GovernanceStoreConformanceTest, AuditListsFilterAndPaginate) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(this->store_->AppendAudit(this->Event(i % 2 == 0 ? "key.create" : "key.revoke")));
  }
  AuditFilter filter;
  filter.action = "key.create";

  const Result<AuditPage> first = this->store_->ListAudit(filter, 3, "");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->entries.size(), 3U);
  EXPECT_EQ(first->entries[0].seq, 7);
  EXPECT_EQ(first->entries[2].seq, 3);
  EXPECT_EQ(first->next_cursor, "3");
  const Result<AuditPage> second = this->store_->ListAudit(filter, 3, first->next_cursor);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->entries.size(), 1U);
  EXPECT_EQ(second->entries[0].seq, 1);
  EXPECT_TRUE(second->next_cursor.empty());
  const Result<AuditPage> exact = this->store_->ListAudit({}, 7, "");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->entries.size(), 7U);
  EXPECT_TRUE(exact->next_cursor.empty());
}

TYPED_TEST(GovernanceStoreConformanceTest, AuditFiltersCombine) {
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("a", "acme", "key:k1")));   // 1, t=1001
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("a", "other", "key:k1")));  // 2, t=1002
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("b", "acme", "user:u")));   // 3, t=1003
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("a", "acme", "user:u")));   // 4, t=1004
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("b", "other", "system")));  // 5, t=1005
  const auto seqs = [this](const AuditFilter& filter) {
    std::vector<std::int64_t> out;
    const Result<AuditPage> page = this->store_->ListAudit(filter, 100, "");
    EXPECT_TRUE(page) << page.error().message;
    for (const AuditEntry& entry : page ? page->entries : std::vector<AuditEntry>{}) {
      out.push_back(entry.seq);
    }
    return out;
  };
  using Seqs = std::vector<std::int64_t>;

  EXPECT_EQ(seqs({}), (Seqs{5, 4, 3, 2, 1}));
  EXPECT_EQ(seqs({"acme", "", "", 0, 0}), (Seqs{4, 3, 1}));
  EXPECT_EQ(seqs({"", "user:u", "", 0, 0}), (Seqs{4, 3}));
  EXPECT_EQ(seqs({"", "", "a", 0, 0}), (Seqs{4, 2, 1}));
  EXPECT_EQ(seqs({"", "", "", 1002, 0}), (Seqs{5, 4, 3, 2}));  // since: inclusive
  EXPECT_EQ(seqs({"", "", "", 0, 1004}), (Seqs{3, 2, 1}));     // until: exclusive
  EXPECT_EQ(seqs({"acme", "user:u", "a", 1002, 1005}), (Seqs{4}));
  EXPECT_EQ(seqs({"nobody", "", "", 0, 0}), (Seqs{}));
}

TYPED_TEST(GovernanceStoreConformanceTest, AuditListRejectsCursorsItDidNotMake) {
  this->AppendEvents(3);

  for (const std::string cursor : {"x1", "0", "-3", "abc", "1.5", "5 ", "99999999999999999999"}) {
    const Result<AuditPage> page = this->store_->ListAudit({}, 3, cursor);

    ASSERT_FALSE(page) << cursor;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument) << cursor;
    EXPECT_EQ(page.error().reason, "VALIDATION_INVALID_CURSOR") << cursor;
    ASSERT_EQ(page.error().details.size(), 1U);
    EXPECT_EQ(page.error().details[0].first, "field");
    EXPECT_EQ(page.error().details[0].second, "cursor");
  }
  EXPECT_EQ(this->store_->ListAudit({}, 3, "2")->entries.size(), 1U);
}

TYPED_TEST(GovernanceStoreConformanceTest, VerifyAcceptsAnEmptyAndAWholeChain) {
  const Result<AuditVerification> empty = this->store_->VerifyAudit();
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->rows, 0);
  EXPECT_FALSE(empty->first_broken_seq.has_value()) << empty->problem;

  this->AppendEvents(12);
  const Result<AuditVerification> whole = this->store_->VerifyAudit();

  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->rows, 12);
  EXPECT_FALSE(whole->first_broken_seq.has_value()) << whole->problem;
  EXPECT_TRUE(whole->problem.empty());
}

TYPED_TEST(GovernanceStoreConformanceTest, AnEditedRowIsNamed) {
  this->AppendEvents(5);

  this->Tamper("UPDATE audit_log SET actor = 'key:someone-else' WHERE seq = 3");

  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->rows, 5);
  EXPECT_EQ(verified->first_broken_seq, 3);
  EXPECT_EQ(verified->problem, "row 3 was changed after it was written");
}

TYPED_TEST(GovernanceStoreConformanceTest, ARehashedEditBreaksTheNextLink) {
  this->AppendEvents(5);
  // Someone who edits a row and recomputes its hash still breaks the link of the next row.
  AuditEntry edited = this->AllAudit().front();
  ASSERT_EQ(edited.seq, 1);
  edited.outcome = "failure";

  this->Tamper("UPDATE audit_log SET outcome = 'failure', row_hash = '" + AuditRowHash(edited)
               + "' WHERE seq = 1");

  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->first_broken_seq, 2);
  EXPECT_EQ(verified->problem, "row 2 does not link to the row before it");
}

TYPED_TEST(GovernanceStoreConformanceTest, ADeletedMiddleRowIsNamed) {
  this->AppendEvents(5);

  this->Tamper("DELETE FROM audit_log WHERE seq = 2");

  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->rows, 4);
  EXPECT_EQ(verified->first_broken_seq, 2);
  EXPECT_EQ(verified->problem, "row 2 is missing (next is 3)");
}

TYPED_TEST(GovernanceStoreConformanceTest, DeletedNewestRowsAreDetected) {
  this->AppendEvents(5);

  this->Tamper("DELETE FROM audit_log WHERE seq >= 4");

  const Result<AuditVerification> verified = this->store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->rows, 3);
  EXPECT_EQ(verified->first_broken_seq, 4);
  EXPECT_EQ(verified->problem, "the newest rows up to 5 were deleted or changed");
}

TYPED_TEST(GovernanceStoreConformanceTest, AnEmptiedTrailAndALostHeadAreDetected) {
  this->AppendEvents(3);

  this->Tamper("DELETE FROM audit_log");
  const Result<AuditVerification> emptied = this->store_->VerifyAudit();
  ASSERT_TRUE(emptied);
  EXPECT_EQ(emptied->rows, 0);
  EXPECT_EQ(emptied->first_broken_seq, 1);

  this->Tamper("DELETE FROM audit_head");
  ASSERT_TRUE(this->store_->AppendAudit(this->Event("key.create")));  // Starts over at 1.
  this->Tamper("DELETE FROM audit_head");
  const Result<AuditVerification> headless = this->store_->VerifyAudit();
  ASSERT_TRUE(headless);
  EXPECT_EQ(headless->rows, 1);
  EXPECT_EQ(headless->first_broken_seq, 1);
  EXPECT_EQ(headless->problem, "the chain's head record is missing");
}

TYPED_TEST(GovernanceStoreConformanceTest, AppendsFromTwoStoresExtendOneChain) {
  const std::unique_ptr<GovernanceStore> other = this->Open();  // Another process's store.
  ASSERT_NE(other, nullptr);

  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(this->store_->AppendAudit(this->Event("a")));
    ASSERT_TRUE(other->AppendAudit(this->Event("b")));
  }

  const Result<AuditVerification> verified = other->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->rows, 20);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

// --- PostgreSQL only ------------------------------------------------------------------------

class PostgresOnlyTest : public BackendTest<PostgresBackend> {};

// Four threads append, one row at a time and in batches of three, through two store instances
// with their own pools (separate connections, hence separate server processes, as several
// replicas would): one chain, seqs 1..N, every row linked to the one before it.
TEST_F(PostgresOnlyTest, ConcurrentAppendsFromSeveralStoresFormOneChain) {
  if (!Ready()) {
    return;
  }
  constexpr int kThreads = 4;
  constexpr int kAppends = 200;  // Every fifth is a batch of three: 280 rows per thread.
  constexpr int kPerThread = 280;
  constexpr int kRows = kThreads * kPerThread;  // VerifyAudit reads them in two pages.
  PgOptions options = backend_.Options();
  options.pool_size = 3;
  std::vector<std::unique_ptr<PostgresGovernanceStore>> stores;
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<PostgresGovernanceStore>> store = PostgresGovernanceStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    stores.push_back(std::move(*store));
  }

  std::vector<std::vector<AuditEntry>> appended(kThreads);
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      GovernanceStore& store = *stores[static_cast<std::size_t>(t % 2)];
      std::vector<AuditEntry>& mine = appended[static_cast<std::size_t>(t)];
      int events = 0;
      const auto event = [t, &events] {
        AuditEntry entry;
        entry.event_id = "t" + std::to_string(t) + "-" + std::to_string(++events);
        entry.created_at_ms = 1000 + events;
        entry.org_id = "acme";
        entry.actor = "thread:" + std::to_string(t);
        entry.action = "test.append";
        entry.target = "chain";
        entry.outcome = "success";
        entry.details_json = "{}";
        return entry;
      };
      start.arrive_and_wait();
      for (int i = 0; i < kAppends; ++i) {
        if (i % 5 == 0) {
          Result<std::vector<AuditEntry>> stored =
              store.AppendAuditBatch({event(), event(), event()});
          if (stored) {
            mine.insert(mine.end(), stored->begin(), stored->end());
          } else {
            ++failures;
          }
        } else {
          Result<AuditEntry> stored = store.AppendAudit(event());
          if (stored) {
            mine.push_back(*stored);
          } else {
            ++failures;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  ASSERT_EQ(failures.load(), 0);
  for (const std::vector<AuditEntry>& mine : appended) {
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(kPerThread));
    for (std::size_t i = 0; i + 1 < mine.size(); ++i) {
      ASSERT_LT(mine[i].seq, mine[i + 1].seq);  // Each thread's rows in its own order.
    }
  }
  std::vector<AuditEntry> all;
  for (const std::vector<AuditEntry>& some : appended) {
    all.insert(all.end(), some.begin(), some.end());
  }
  std::sort(all.begin(), all.end(),
            [](const AuditEntry& a, const AuditEntry& b) { return a.seq < b.seq; });
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kRows));
  std::string previous(kAuditGenesisHash);
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].seq, static_cast<std::int64_t>(i) + 1);
    ASSERT_EQ(all[i].prev_hash, previous) << "seq " << all[i].seq;
    previous = all[i].row_hash;
  }
  const Result<AuditVerification> verified = stores[0]->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->rows, kRows);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
  EXPECT_EQ(*backend_.QueryValue("SELECT seq FROM audit_head"), std::to_string(kRows));
}

// Three replicas starting at once on a new database: every one opens, each migration is
// applied exactly once.
TEST_F(PostgresOnlyTest, ConcurrentStartersMigrateOnce) {
  if (!Ready()) {
    return;
  }
  constexpr int kStarters = 3;
  std::latch start(kStarters);
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kStarters);
  std::vector<std::thread> threads;
  threads.reserve(kStarters);
  for (int t = 0; t < kStarters; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      // Decision and governance stores alike run the one list of migrations.
      if (t == 0) {
        Result<std::unique_ptr<PostgresGovernanceStore>> store =
            PostgresGovernanceStore::Open(backend_.Options());
        if (!store) {
          errors[static_cast<std::size_t>(t)] = store.error().message;
          ++failures;
        }
      } else {
        Result<std::unique_ptr<PostgresDecisionStore>> store =
            PostgresDecisionStore::Open(backend_.Options());
        if (!store) {
          errors[static_cast<std::size_t>(t)] = store.error().message;
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0) << errors[0] << errors[1] << errors[2];
  std::string expected;
  for (const PgMigration& migration : PgMigrations()) {
    expected += (expected.empty() ? "" : ",") + std::to_string(migration.version) + ":"
                + std::string(migration.name);
  }
  EXPECT_EQ(*backend_.QueryValue("SELECT string_agg(version || ':' || name, ',' ORDER BY version) "
                                 "FROM schema_migrations"),
            expected);
  EXPECT_EQ(*backend_.QueryValue("SELECT count(*) FROM audit_head"), "1");
}

// Step n of the PostgreSQL schema makes the change of SQLite's step n: same versions, same
// names, so that one version number means one schema on either back end.
TEST(SchemaMigrationsTest, BothBackEndsHaveTheSameSteps) {
  std::vector<std::pair<int, std::string>> sqlite;
  for (const SqliteMigration& migration : SqliteMigrations()) {
    sqlite.emplace_back(migration.version, std::string(migration.name));
  }
  std::vector<std::pair<int, std::string>> postgres;
  for (const PgMigration& migration : PgMigrations()) {
    postgres.emplace_back(migration.version, std::string(migration.name));
  }

  EXPECT_EQ(postgres, sqlite);
}

TEST_F(PostgresOnlyTest, ReopeningDoesNotRerunMigrations) {
  if (!Ready()) {
    return;
  }
  ASSERT_TRUE(PostgresDecisionStore::Open(backend_.Options()));
  const std::string query =
      "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version) FROM "
      "schema_migrations";
  const Result<std::string> applied = backend_.QueryValue(query);
  ASSERT_TRUE(applied) << applied.error().message;

  ASSERT_TRUE(PostgresGovernanceStore::Open(backend_.Options()));
  ASSERT_TRUE(PostgresDecisionStore::Open(backend_.Options()));

  EXPECT_EQ(*backend_.QueryValue(query), *applied);
  EXPECT_TRUE(applied->starts_with("1:")) << *applied;
}

TEST_F(PostgresOnlyTest, RefusesADatabaseFromANewerBinary) {
  if (!Ready()) {
    return;
  }
  ASSERT_TRUE(PostgresDecisionStore::Open(backend_.Options()));
  ASSERT_TRUE(backend_.RawSql(
      "INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')"));

  const Result<std::unique_ptr<PostgresDecisionStore>> decisions =
      PostgresDecisionStore::Open(backend_.Options());
  const Result<std::unique_ptr<PostgresGovernanceStore>> governance =
      PostgresGovernanceStore::Open(backend_.Options());

  ASSERT_FALSE(decisions);
  EXPECT_EQ(decisions.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(decisions.error().message.find("version 99"), std::string::npos)
      << decisions.error().message;
  ASSERT_FALSE(governance);
  EXPECT_EQ(governance.error().code, ErrorCode::kFailedPrecondition);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::storage
