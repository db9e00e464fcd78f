#include "amaima/storage/postgres/postgres_decision_store.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "amaima/storage/postgres/pg_migrations.h"

namespace amaima::storage {
namespace {

// Rows per INSERT statement: far below the protocol's 65535 parameters, and large enough that
// a DecisionWriter batch is one or two round trips.
constexpr std::size_t kRowsPerInsert = 500;

// Column order shared by the INSERT and every SELECT (see ReadDecision).
constexpr std::string_view kColumns =
    "decision_id, created_at_ms, request_id, org_id, level, model, provider, query_hash, "
    "execution_mode, simulated, decision_schema_version, router_model_version, body_json, "
    "prompt_text, actor";
constexpr int kColumnCount = 15;

constexpr std::string_view kExecutionColumns =
    "request_id, decision_id, created_at_ms, org_id, surface, model, provider, streamed, status, "
    "error_code, prompt_tokens, completion_tokens, usage_estimated, cost_usd, upstream_ms, "
    "total_ms, attempts, actor";
constexpr int kExecutionColumnCount = 18;

constexpr std::string_view kFeedbackColumns =
    "feedback_id, decision_id, org_id, correct_level, rating, comment, created_at_ms";

// Every feedback row with a level, with its decision's prompt (NULL: counted as skipped) and
// the classifier's level read from the decision's JSON, in one statement (one snapshot).
constexpr std::string_view kListFeedbackSamplesSql =
    "SELECT f.feedback_id, f.decision_id, d.prompt_text, f.correct_level, "
    "CASE WHEN d.prompt_text IS NULL THEN '' ELSE amaima_classified_level(d.body_json) END, "
    "f.created_at_ms "
    "FROM feedback AS f JOIN decisions AS d ON d.decision_id = f.decision_id "
    "WHERE f.correct_level IS NOT NULL ORDER BY f.feedback_id";

// "INSERT INTO <table> (<columns>) VALUES ($1, ..., $n), ($n+1, ...), ..." for `rows` rows.
std::string MultiRowInsert(std::string_view table, std::string_view columns, int column_count,
                           std::size_t rows) {
  std::string sql = "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES ";
  int param = 1;
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 0; column < column_count; ++column) {
      sql += column == 0 ? "$" : ", $";
      sql += std::to_string(param++);
    }
    sql += ")";
  }
  return sql;
}

void AddDecision(PgParams& params, const StoredDecision& record) {
  params.Text(record.decision_id)
      .Int64(record.created_at_ms)
      .Text(record.request_id)
      .Text(record.org_id)
      .Text(record.level)
      .Text(record.model)
      .Text(record.provider)
      .Text(record.query_hash)
      .Text(record.execution_mode)
      .Bool(record.simulated)
      .Text(record.decision_schema_version)
      .Text(record.router_model_version)
      .Text(record.body_json)
      .NullableText(record.prompt_text)
      .Text(record.actor);
}

StoredDecision ReadDecision(const PgResult& result, int row) {
  StoredDecision record;
  record.decision_id = result.Text(row, 0);
  record.created_at_ms = result.Int64(row, 1);
  record.request_id = result.Text(row, 2);
  record.org_id = result.Text(row, 3);
  record.level = result.Text(row, 4);
  record.model = result.Text(row, 5);
  record.provider = result.Text(row, 6);
  record.query_hash = result.Text(row, 7);
  record.execution_mode = result.Text(row, 8);
  record.simulated = result.Bool(row, 9);
  record.decision_schema_version = result.Text(row, 10);
  record.router_model_version = result.Text(row, 11);
  record.body_json = result.Text(row, 12);
  record.prompt_text = result.NullableText(row, 13);
  record.actor = result.Text(row, 14);
  return record;
}

void AddExecution(PgParams& params, const StoredExecution& record) {
  params.Text(record.request_id)
      .Text(record.decision_id)
      .Int64(record.created_at_ms)
      .Text(record.org_id)
      .Text(record.surface)
      .Text(record.model)
      .Text(record.provider)
      .Bool(record.streamed)
      .Text(record.status)
      .Text(record.error_code)
      .Int64(record.prompt_tokens)
      .Int64(record.completion_tokens)
      .Bool(record.usage_estimated)
      .Double(record.cost_usd)
      .Double(record.upstream_ms)
      .Double(record.total_ms)
      .Int32(record.attempts)
      .Text(record.actor);
}

StoredExecution ReadExecution(const PgResult& result, int row) {
  StoredExecution record;
  record.request_id = result.Text(row, 0);
  record.decision_id = result.Text(row, 1);
  record.created_at_ms = result.Int64(row, 2);
  record.org_id = result.Text(row, 3);
  record.surface = result.Text(row, 4);
  record.model = result.Text(row, 5);
  record.provider = result.Text(row, 6);
  record.streamed = result.Bool(row, 7);
  record.status = result.Text(row, 8);
  record.error_code = result.Text(row, 9);
  record.prompt_tokens = result.Int64(row, 10);
  record.completion_tokens = result.Int64(row, 11);
  record.usage_estimated = result.Bool(row, 12);
  record.cost_usd = result.Double(row, 13);
  record.upstream_ms = result.Double(row, 14);
  record.total_ms = result.Double(row, 15);
  record.attempts = static_cast<int>(result.Int64(row, 16));
  record.actor = result.Text(row, 17);
  return record;
}

StoredFeedback ReadFeedback(const PgResult& result, int row) {
  StoredFeedback record;
  record.feedback_id = result.Text(row, 0);
  record.decision_id = result.Text(row, 1);
  record.org_id = result.Text(row, 2);
  record.correct_level = result.NullableText(row, 3);
  if (!result.IsNull(row, 4)) {
    record.rating = static_cast<int>(result.Int64(row, 4));
  }
  record.comment = result.NullableText(row, 5);
  record.created_at_ms = result.Int64(row, 6);
  return record;
}

// Inserts `batch` with one statement per kRowsPerInsert rows, inside the caller's transaction.
template <typename Record, typename AddRow>
Status InsertRows(PgConnection& connection, std::span<const Record> batch, std::string_view table,
                  std::string_view columns, int column_count, AddRow add_row) {
  for (std::size_t start = 0; start < batch.size(); start += kRowsPerInsert) {
    const std::span<const Record> chunk =
        batch.subspan(start, std::min(kRowsPerInsert, batch.size() - start));
    PgParams params;
    for (const Record& record : chunk) {
      add_row(params, record);
    }
    Result<PgResult> inserted =
        connection.Exec(MultiRowInsert(table, columns, column_count, chunk.size()), params);
    if (!inserted) {
      return inserted.error();
    }
  }
  return {};
}

// Runs `sql` with `params` outside a transaction and reads every row with `read_row`.
template <typename Row, typename ReadRow>
Result<std::vector<Row>> QueryRows(PgPool& pool, const std::string& sql, const PgParams& params,
                                   ReadRow read_row) {
  return pool.Run([&](PgConnection& connection) -> Result<std::vector<Row>> {
    Result<PgResult> result = connection.Exec(sql, params);
    if (!result) {
      return result.error();
    }
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(result->rows()));
    for (int row = 0; row < result->rows(); ++row) {
      rows.push_back(read_row(*result, row));
    }
    return rows;
  });
}

}  // namespace

Result<std::unique_ptr<PostgresDecisionStore>> PostgresDecisionStore::Open(
    const PgOptions& options) {
  Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
  if (!pool) {
    return pool.error();
  }
  PgPool& borrowed = **pool;
  return Migrate(std::move(*pool), borrowed);
}

Result<std::unique_ptr<PostgresDecisionStore>> PostgresDecisionStore::Open(PgPool& pool) {
  return Migrate(nullptr, pool);
}

Result<std::unique_ptr<PostgresDecisionStore>> PostgresDecisionStore::Migrate(
    std::unique_ptr<PgPool> owned, PgPool& pool) {
  Status migrated = ApplyPgMigrations(pool, PgMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: " + pool.description() + ": " + error.message;
    return error;
  }
  return std::unique_ptr<PostgresDecisionStore>(new PostgresDecisionStore(std::move(owned), pool));
}

PostgresDecisionStore::~PostgresDecisionStore() = default;

Status PostgresDecisionStore::InsertBatch(std::span<const StoredDecision> batch) {
  if (batch.empty()) {
    return {};
  }
  return pool_.Transact("BEGIN", [batch](PgConnection& connection) {
    return InsertRows(connection, batch, "decisions", kColumns, kColumnCount, AddDecision);
  });
}

Result<StoredDecision> PostgresDecisionStore::Get(std::string_view decision_id) {
  const std::string sql =
      "SELECT " + std::string(kColumns) + " FROM decisions WHERE decision_id = $1";
  PgParams params;
  params.Text(decision_id);
  Result<std::vector<StoredDecision>> rows =
      QueryRows<StoredDecision>(pool_, sql, params, ReadDecision);
  if (!rows) {
    return rows.error();
  }
  if (rows->empty()) {
    return Fail(ErrorCode::kNotFound, "decision " + std::string(decision_id) + " not found");
  }
  return std::move(rows->front());
}

std::string PostgresDecisionStore::ListSql(const DecisionFilter& filter, bool has_cursor) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM decisions";
  const char* joiner = " WHERE ";
  int param = 1;
  const auto add = [&](bool present, std::string_view condition) {
    if (present) {
      sql += joiner;
      sql += condition;
      sql += std::to_string(param++);
      joiner = " AND ";
    }
  };
  add(!filter.org_id.empty(), "org_id = $");
  add(!filter.level.empty(), "level = $");
  add(!filter.model.empty(), "model = $");
  add(has_cursor, "decision_id < $");
  add(!filter.actor.empty(), "actor = $");
  sql += " ORDER BY decision_id DESC LIMIT $" + std::to_string(param);
  return sql;
}

Result<DecisionPage> PostgresDecisionStore::List(const DecisionFilter& filter, int limit,
                                                 std::string_view cursor) {
  std::string after;
  if (!cursor.empty()) {
    Result<std::string> decoded = DecodeDecisionCursor(cursor);
    if (!decoded) {
      return decoded.error();
    }
    after = std::move(*decoded);
  }
  limit = std::clamp(limit, 1, kMaxDecisionListLimit);

  PgParams params;
  for (const std::string* value : std::array<const std::string*, 5>{
           &filter.org_id, &filter.level, &filter.model, &after, &filter.actor}) {
    if (!value->empty()) {
      params.Text(*value);
    }
  }
  params.Int32(limit + 1);  // One row more than asked tells whether another page exists.
  Result<std::vector<StoredDecision>> rows =
      QueryRows<StoredDecision>(pool_, ListSql(filter, !cursor.empty()), params, ReadDecision);
  if (!rows) {
    return rows.error();
  }
  DecisionPage page;
  page.items = std::move(*rows);
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = EncodeDecisionCursor(page.items.back().decision_id);
  }
  return page;
}

Status PostgresDecisionStore::InsertExecutions(std::span<const StoredExecution> batch) {
  if (batch.empty()) {
    return {};
  }
  return pool_.Transact("BEGIN", [batch](PgConnection& connection) {
    return InsertRows(connection, batch, "executions", kExecutionColumns, kExecutionColumnCount,
                      AddExecution);
  });
}

Result<std::vector<StoredExecution>> PostgresDecisionStore::ListExecutions(
    std::string_view decision_id) {
  const std::string sql = "SELECT " + std::string(kExecutionColumns)
                          + " FROM executions WHERE decision_id = $1 ORDER BY created_at_ms, "
                            "request_id";
  PgParams params;
  params.Text(decision_id);
  return QueryRows<StoredExecution>(pool_, sql, params, ReadExecution);
}

Status PostgresDecisionStore::InsertFeedback(const StoredFeedback& feedback) {
  Status valid = ValidateFeedback(feedback);
  if (!valid) {
    return valid;
  }
  const std::string sql = "INSERT INTO feedback (" + std::string(kFeedbackColumns)
                          + ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
  PgParams params;
  params.Text(feedback.feedback_id)
      .Text(feedback.decision_id)
      .Text(feedback.org_id)
      .NullableText(feedback.correct_level)
      .NullableInt32(feedback.rating)
      .NullableText(feedback.comment)
      .Int64(feedback.created_at_ms);
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Status {
    Result<PgResult> inserted = connection.Exec(sql, params);
    if (!inserted) {
      if (connection.last_sqlstate() == kPgForeignKeyViolation) {
        return Fail(ErrorCode::kNotFound, "decision " + feedback.decision_id + " not found");
      }
      return inserted.error();
    }
    return {};
  });
}

Result<std::vector<StoredFeedback>> PostgresDecisionStore::ListFeedback(
    std::string_view decision_id) {
  const std::string sql = "SELECT " + std::string(kFeedbackColumns)
                          + " FROM feedback WHERE decision_id = $1 ORDER BY feedback_id";
  PgParams params;
  params.Text(decision_id);
  return QueryRows<StoredFeedback>(pool_, sql, params, ReadFeedback);
}

Result<FeedbackSamples> PostgresDecisionStore::ListFeedbackSamples() {
  return pool_.Run([](PgConnection& connection) -> Result<FeedbackSamples> {
    Result<PgResult> result = connection.Exec(std::string(kListFeedbackSamplesSql));
    if (!result) {
      return result.error();
    }
    FeedbackSamples out;
    for (int row = 0; row < result->rows(); ++row) {
      if (result->IsNull(row, 2)) {
        ++out.skipped_without_text;
        continue;
      }
      FeedbackSample sample;
      sample.feedback_id = result->Text(row, 0);
      sample.decision_id = result->Text(row, 1);
      sample.text = result->Text(row, 2);
      sample.correct_level = result->Text(row, 3);
      sample.classified_level = result->Text(row, 4);
      sample.created_at_ms = result->Int64(row, 5);
      out.samples.push_back(std::move(sample));
    }
    return out;
  });
}

Status PostgresDecisionStore::Ping() {
  return pool_.Run([](PgConnection& connection) -> Status {
    Result<PgResult> pinged = connection.Exec("SELECT 1 FROM decisions LIMIT 1");
    if (!pinged) {
      return pinged.error();
    }
    return {};
  });
}

}  // namespace amaima::storage
