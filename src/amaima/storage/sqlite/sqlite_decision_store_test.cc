#include "amaima/storage/sqlite/sqlite_decision_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amaima/core/ids.h"
#include "amaima/storage/sqlite/sqlite_handle.h"
#include "amaima/storage/sqlite/sqlite_test_support.h"
#include "test/support/fake_clock.h"

namespace amaima::storage {
namespace {

constexpr std::array<std::string_view, 3> kOrgs = {"org-a", "org-b", "org-c"};
constexpr std::array<std::string_view, 5> kLevels = {"TRIVIAL", "SIMPLE", "MODERATE", "COMPLEX",
                                                     "EXPERT"};
constexpr std::array<std::string_view, 4> kModels = {"small", "medium", "large", "huge"};

class SqliteDecisionStoreTest : public ::testing::Test {
 protected:
  SqliteOptions Options() const {
    SqliteOptions options;
    options.path = dir_.File("decisions.db");
    options.read_connections = 2;
    return options;
  }

  std::unique_ptr<SqliteDecisionStore> OpenStore() {
    Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(Options());
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Returns a decision whose fields vary with `i`; ids increase with each call.
  StoredDecision MakeDecision(int i) {
    clock_.Advance(std::chrono::milliseconds(i % 3));  // Some ids share a millisecond.
    StoredDecision record;
    record.decision_id = ids_.NewId();
    record.created_at_ms = UnixMillis(clock_.Now());
    record.request_id = "req-" + std::to_string(i);
    const auto index = static_cast<std::size_t>(i);
    record.org_id = kOrgs[index % kOrgs.size()];
    record.level = kLevels[index % kLevels.size()];
    record.model = kModels[index % kModels.size()];
    record.provider = "openai";
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

  std::vector<StoredDecision> InsertMany(SqliteDecisionStore& store, int count, int batch_size) {
    std::vector<StoredDecision> all;
    all.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      all.push_back(MakeDecision(i));
    }
    for (std::size_t start = 0; start < all.size(); start += static_cast<std::size_t>(batch_size)) {
      const std::size_t size = std::min(static_cast<std::size_t>(batch_size), all.size() - start);
      const Status inserted = store.InsertBatch(std::span(all).subspan(start, size));
      EXPECT_TRUE(inserted) << inserted.error().message;
    }
    return all;
  }

  // Reads every page of `filter` with `limit` and returns the ids in order.
  static std::vector<std::string> ListAll(SqliteDecisionStore& store, const DecisionFilter& filter,
                                          int limit, int* pages) {
    std::vector<std::string> ids;
    std::string cursor;
    *pages = 0;
    do {
      const Result<DecisionPage> page = store.List(filter, limit, cursor);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) {
        break;
      }
      EXPECT_LE(static_cast<int>(page->items.size()), limit);
      for (const StoredDecision& item : page->items) {
        ids.push_back(item.decision_id);
      }
      cursor = page->next_cursor;
      ++*pages;
    } while (!cursor.empty());
    return ids;
  }

  TempDir dir_;
  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
};

TEST_F(SqliteDecisionStoreTest, InsertThenGetReturnsTheSameRecord) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  StoredDecision with_prompt = MakeDecision(0);
  StoredDecision without_prompt = MakeDecision(1);
  ASSERT_TRUE(with_prompt.prompt_text.has_value());
  ASSERT_FALSE(without_prompt.prompt_text.has_value());
  with_prompt.body_json = R"({"text":"h\u00e9llo \"quoted\"","emoji":"✓"})";
  const std::vector<StoredDecision> batch = {with_prompt, without_prompt};

  ASSERT_TRUE(store->InsertBatch(batch));
  const Result<StoredDecision> first = store->Get(with_prompt.decision_id);
  const Result<StoredDecision> second = store->Get(without_prompt.decision_id);

  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*first, with_prompt);
  EXPECT_EQ(*second, without_prompt);
  EXPECT_FALSE(second->prompt_text.has_value());
}

TEST_F(SqliteDecisionStoreTest, EmptyPromptIsStoredAsPresentNotNull) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  StoredDecision record = MakeDecision(1);
  record.prompt_text = "";

  ASSERT_TRUE(store->InsertBatch(std::span(&record, 1)));
  const Result<StoredDecision> read = store->Get(record.decision_id);

  ASSERT_TRUE(read);
  ASSERT_TRUE(read->prompt_text.has_value());
  EXPECT_EQ(*read->prompt_text, "");
}

TEST_F(SqliteDecisionStoreTest, GetOfUnknownIdIsNotFound) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);

  const Result<StoredDecision> read = store->Get("0193a2c4-5e6f-7000-8abc-0123456789ab");

  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteDecisionStoreTest, ListPagesNewestFirstWithoutGapsOrDuplicates) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<StoredDecision> all = InsertMany(*store, 1037, 100);
  std::vector<std::string> expected;
  expected.reserve(all.size());
  for (const StoredDecision& record : all) {
    expected.push_back(record.decision_id);
  }
  std::sort(expected.rbegin(), expected.rend());

  int pages = 0;
  const std::vector<std::string> listed = ListAll(*store, {}, 50, &pages);

  EXPECT_EQ(listed, expected);
  EXPECT_EQ(pages, 21);  // 20 full pages and one of 37.
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), all.size());
}

TEST_F(SqliteDecisionStoreTest, ListEndsWithoutAnEmptyPageOnAnExactMultiple) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  InsertMany(*store, 100, 100);

  int pages = 0;
  const std::vector<std::string> listed = ListAll(*store, {}, 50, &pages);

  EXPECT_EQ(listed.size(), 100U);
  EXPECT_EQ(pages, 2);
}

TEST_F(SqliteDecisionStoreTest, NewerDecisionsDoNotShiftOlderPages) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  InsertMany(*store, 30, 30);
  const Result<DecisionPage> first = store->List({}, 10, "");
  ASSERT_TRUE(first);

  StoredDecision newer = MakeDecision(99);
  ASSERT_TRUE(store->InsertBatch(std::span(&newer, 1)));
  const Result<DecisionPage> second = store->List({}, 10, first->next_cursor);

  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 10U);
  EXPECT_LT(second->items.front().decision_id, first->items.back().decision_id);
}

TEST_F(SqliteDecisionStoreTest, FiltersMatchEveryCombination) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<StoredDecision> all = InsertMany(*store, 600, 200);
  const std::vector<DecisionFilter> filters = {
      {"org-a", "", ""},
      {"", "COMPLEX", ""},
      {"", "", "large"},
      {"org-b", "SIMPLE", ""},
      {"org-c", "", "huge"},
      {"", "EXPERT", "small"},
      {"org-a", "TRIVIAL", "small"},
      {"org-x", "", ""},
  };

  for (const DecisionFilter& filter : filters) {
    std::vector<std::string> expected;
    for (const StoredDecision& record : all) {
      if ((filter.org_id.empty() || record.org_id == filter.org_id)
          && (filter.level.empty() || record.level == filter.level)
          && (filter.model.empty() || record.model == filter.model)) {
        expected.push_back(record.decision_id);
      }
    }
    std::sort(expected.rbegin(), expected.rend());

    int pages = 0;
    const std::vector<std::string> listed = ListAll(*store, filter, 7, &pages);

    EXPECT_EQ(listed, expected) << filter.org_id << "/" << filter.level << "/" << filter.model;
  }
}

TEST_F(SqliteDecisionStoreTest, ListClampsTheLimit) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  InsertMany(*store, 510, 510);

  const Result<DecisionPage> tiny = store->List({}, 0, "");
  const Result<DecisionPage> huge = store->List({}, 100000, "");

  ASSERT_TRUE(tiny);
  ASSERT_TRUE(huge);
  EXPECT_EQ(tiny->items.size(), 1U);
  EXPECT_EQ(huge->items.size(), static_cast<std::size_t>(kMaxDecisionListLimit));
  EXPECT_FALSE(huge->next_cursor.empty());
}

TEST_F(SqliteDecisionStoreTest, MalformedCursorIsInvalidArgument) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);

  const Result<DecisionPage> page = store->List({}, 10, "not a cursor");

  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(page.error().reason, "VALIDATION_INVALID_CURSOR");
}

TEST_F(SqliteDecisionStoreTest, DuplicateIdFailsTheWholeBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const StoredDecision a = MakeDecision(1);
  const StoredDecision b = MakeDecision(2);
  const std::vector<StoredDecision> batch = {a, b, a};

  const Status inserted = store->InsertBatch(batch);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store->Get(a.decision_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Get(b.decision_id).error().code, ErrorCode::kNotFound);
  // The writer connection is usable again after the rollback, and existing ids stay unique.
  ASSERT_TRUE(store->InsertBatch(std::span(&a, 1)));
  const StoredDecision c = MakeDecision(3);
  const std::vector<StoredDecision> second = {c, a};
  EXPECT_EQ(store->InsertBatch(second).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store->Get(c.decision_id).error().code, ErrorCode::kNotFound);
}

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
  record.total_ms = 1.75 * i;
  record.attempts = i;
  return record;
}

TEST_F(SqliteDecisionStoreTest, ExecutionsAreListedByDecisionOldestFirst) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string decision = MakeDecision(1).decision_id;
  const std::vector<StoredExecution> batch = {
      MakeExecution(2, decision), MakeExecution(1, decision), MakeExecution(3, "another-decision")};
  ASSERT_TRUE(store->InsertExecutions(batch));

  const Result<std::vector<StoredExecution>> listed = store->ListExecutions(decision);

  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, (std::vector<StoredExecution>{batch[1], batch[0]}));
  EXPECT_EQ(*store->ListExecutions("another-decision"), (std::vector<StoredExecution>{batch[2]}));
  EXPECT_TRUE(store->ListExecutions("none")->empty());
}

TEST_F(SqliteDecisionStoreTest, DuplicateExecutionFailsItsWholeBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<StoredExecution> batch = {MakeExecution(1, "d"), MakeExecution(2, "d"),
                                              MakeExecution(1, "d")};

  const Status inserted = store->InsertExecutions(batch);

  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(store->ListExecutions("d")->empty());
  EXPECT_TRUE(store->InsertExecutions(std::span(batch.data(), 2)));
  EXPECT_EQ(store->ListExecutions("d")->size(), 2U);
}

TEST_F(SqliteDecisionStoreTest, ReopenKeepsDataAndDoesNotRerunMigrations) {
  StoredDecision record = MakeDecision(7);
  std::string applied_at;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->InsertBatch(std::span(&record, 1)));
  }
  {
    Result<SqliteConnection> db = OpenSqliteConnection(Options().path, SQLITE_OPEN_READONLY);
    ASSERT_TRUE(db);
    Result<SqliteStatement> query = PrepareSql(
        db->get(), "SELECT group_concat(version || ':' || applied_at) FROM schema_migrations");
    ASSERT_TRUE(query);
    ASSERT_EQ(sqlite3_step(query->get()), SQLITE_ROW);
    applied_at = ColumnText(query->get(), 0);
  }

  auto reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  const Result<StoredDecision> read = reopened->Get(record.decision_id);

  ASSERT_TRUE(read);
  EXPECT_EQ(*read, record);
  Result<SqliteConnection> db = OpenSqliteConnection(Options().path, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(db);
  Result<SqliteStatement> query = PrepareSql(
      db->get(), "SELECT group_concat(version || ':' || applied_at) FROM schema_migrations");
  ASSERT_TRUE(query);
  ASSERT_EQ(sqlite3_step(query->get()), SQLITE_ROW);
  EXPECT_EQ(ColumnText(query->get(), 0), applied_at);
  EXPECT_TRUE(applied_at.starts_with("1:")) << applied_at;
  EXPECT_NE(applied_at.find(",2:"), std::string::npos) << applied_at;
}

TEST_F(SqliteDecisionStoreTest, RefusesADatabaseFromANewerBinary) {
  ASSERT_NE(OpenStore(), nullptr);
  {
    Result<SqliteConnection> db = OpenSqliteConnection(Options().path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db);
    ASSERT_TRUE(ExecSql(db->get(),
                        "INSERT INTO schema_migrations VALUES (99, 'from_the_future', 'later')"));
  }

  const Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(Options());

  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.error().message.find("version 99"), std::string::npos) << store.error().message;
}

TEST_F(SqliteDecisionStoreTest, RejectsBadOptions) {
  SqliteOptions bad_sync = Options();
  bad_sync.synchronous = "off";
  SqliteOptions no_readers = Options();
  no_readers.read_connections = 0;
  SqliteOptions in_memory = Options();
  in_memory.path = ":memory:";

  for (const SqliteOptions& options : {bad_sync, no_readers, in_memory}) {
    const Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);

    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(SqliteDecisionStoreTest, OpenFailsClearlyForAnUnwritablePath) {
  SqliteOptions options = Options();
  options.path = dir_.File("missing-dir/decisions.db");

  const Result<std::unique_ptr<SqliteDecisionStore>> store = SqliteDecisionStore::Open(options);

  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message.find("missing-dir"), std::string::npos);
}

TEST_F(SqliteDecisionStoreTest, UsesWalMode) {
  ASSERT_NE(OpenStore(), nullptr);

  Result<SqliteConnection> db = OpenSqliteConnection(Options().path, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(db);
  Result<SqliteStatement> query = PrepareSql(db->get(), "PRAGMA journal_mode");
  ASSERT_TRUE(query);
  ASSERT_EQ(sqlite3_step(query->get()), SQLITE_ROW);

  EXPECT_EQ(ColumnText(query->get(), 0), "wal");
}

// Returns the detail column of EXPLAIN QUERY PLAN for `sql`, one step per "; ".
std::string QueryPlan(sqlite3* db, const std::string& sql) {
  Result<SqliteStatement> plan = PrepareSql(db, "EXPLAIN QUERY PLAN " + sql);
  if (!plan) {
    return "error: " + plan.error().message;
  }
  std::string details;
  while (sqlite3_step(plan->get()) == SQLITE_ROW) {
    details += ColumnText(plan->get(), 3) + "; ";
  }
  return details;
}

// Returns the List SQL for one of the 16 combinations of the three filters and the cursor.
std::string ListSqlForShape(int shape) {
  DecisionFilter filter;
  filter.org_id = (shape & 1) != 0 ? "org-a" : "";
  filter.level = (shape & 2) != 0 ? "SIMPLE" : "";
  filter.model = (shape & 4) != 0 ? "small" : "";
  return SqliteDecisionStore::ListSql(filter, (shape & 8) != 0);
}

TEST_F(SqliteDecisionStoreTest, EveryListQueryUsesAnIndexInOrder) {
  ASSERT_NE(OpenStore(), nullptr);
  Result<SqliteConnection> db = OpenSqliteConnection(Options().path, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(db);

  for (int shape = 0; shape < 16; ++shape) {
    const std::string sql = ListSqlForShape(shape);

    const std::string plan = QueryPlan(db->get(), sql);

    EXPECT_THAT(plan, ::testing::AllOf(::testing::HasSubstr("USING INDEX"),
                                       ::testing::Not(::testing::HasSubstr("TEMP B-TREE"))))
        << sql;
  }
}

// Reads from `store` 100 times (List, Get of one of `records`, Ping); returns false on any
// failure other than a Get of a record not inserted yet.
bool ReadRepeatedly(SqliteDecisionStore& store, const std::vector<StoredDecision>& records,
                    std::size_t offset) {
  bool ok = true;
  for (std::size_t i = 0; i < 100; ++i) {
    const Result<DecisionPage> page = store.List({}, 20, "");
    const Result<StoredDecision> read =
        store.Get(records[(i * 4 + offset) % records.size()].decision_id);
    const bool read_ok = read || read.error().code == ErrorCode::kNotFound;
    ok = ok && page && read_ok && store.Ping();
  }
  return ok;
}

// Inserts `records` in batches of 20 while four threads read; returns the number of failures.
int InsertWhileReading(SqliteDecisionStore& store, const std::vector<StoredDecision>& records) {
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(4);
  for (std::size_t t = 0; t < 4; ++t) {
    readers.emplace_back([&store, &records, &failures, t] {
      failures += ReadRepeatedly(store, records, t) ? 0 : 1;
    });
  }
  for (std::size_t start = 0; start < records.size(); start += 20) {
    failures += store.InsertBatch(std::span(records).subspan(start, 20)) ? 0 : 1;
  }
  for (std::thread& reader : readers) {
    reader.join();
  }
  return failures.load();
}

TEST_F(SqliteDecisionStoreTest, ConcurrentReadersAndAWriterSeeConsistentData) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<StoredDecision> records;
  records.reserve(400);
  for (int i = 0; i < 400; ++i) {
    records.push_back(MakeDecision(i));
  }

  const int failures = InsertWhileReading(*store, records);

  EXPECT_EQ(failures, 0);
  const Result<DecisionPage> all = store->List({}, 500, "");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), records.size());
}

}  // namespace
}  // namespace amaima::storage
