#include "amaima/storage/postgres/pg_connection.h"

#include <array>
#include <charconv>
#include <cstring>
#include <system_error>

namespace amaima::storage {
namespace {

// Type OIDs (catalog/pg_type.h, which libpq-dev does not ship); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

constexpr int kMaxPoolSize = 64;
constexpr int kMaxAttempts = 10;

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

using Conninfo = std::unique_ptr<PQconninfoOption, ConninfoFree>;

// Parses `url` as libpq does; on failure returns nullptr and sets `error` (libpq's message,
// which may quote the malformed part: callers scrub it).
Conninfo ParseConninfo(const std::string& url, std::string& error) {
  char* message = nullptr;
  Conninfo options(PQconninfoParse(url.c_str(), &message));
  if (message != nullptr) {
    error = message;
    PQfreemem(message);
  }
  return options;
}

std::string ConninfoValue(const PQconninfoOption* options, std::string_view keyword) {
  for (const PQconninfoOption* option = options; option != nullptr && option->keyword != nullptr;
       ++option) {
    if (keyword == option->keyword && option->val != nullptr) {
      return option->val;
    }
  }
  return {};
}

// A best guess at the password in a URL that libpq could not parse, to keep it out of the
// parse error: the text between "user:" and "@" of a URI, or the value of "password=".
std::string GuessPassword(std::string_view url) {
  if (const std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    const std::string_view rest = url.substr(scheme + 3);
    const std::size_t at = rest.rfind('@', rest.find('/'));
    if (at != std::string_view::npos) {
      const std::string_view userinfo = rest.substr(0, at);
      if (const std::size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        return std::string(userinfo.substr(colon + 1));
      }
    }
  }
  if (const std::size_t key = url.find("password="); key != std::string_view::npos) {
    std::string_view value = url.substr(key + std::strlen("password="));
    if (const std::size_t end = value.find_first_of(" &"); end != std::string_view::npos) {
      value = value.substr(0, end);
    }
    return std::string(value);
  }
  return {};
}

std::string ReplaceAll(std::string text, std::string_view needle, std::string_view with) {
  if (needle.empty()) {
    return text;
  }
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + with.size())) {
    text.replace(at, needle.size(), with);
  }
  return text;
}

// libpq messages end with a newline and may span lines; keep them on one.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

// The start of a statement, to say which one failed without quoting a long text.
std::string_view StatementHead(std::string_view sql) {
  constexpr std::size_t kHeadLength = 48;
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) {
    sql.remove_prefix(1);
  }
  return sql.substr(0, std::min(sql.size(), kHeadLength));
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

ErrorCode PgErrorCode(std::string_view sqlstate) {
  if (sqlstate == kPgUniqueViolation) {
    return ErrorCode::kAlreadyExists;
  }
  if (sqlstate == "57014") {  // query_canceled (statement_timeout)
    return ErrorCode::kDeadlineExceeded;
  }
  if (sqlstate.size() != 5) {
    return ErrorCode::kInternal;
  }
  const std::string_view sqlclass = sqlstate.substr(0, 2);
  if (sqlclass == "23" || sqlclass == "22") {  // integrity constraint, data exception
    return ErrorCode::kInvalidArgument;
  }
  // Connection exceptions, transaction rollbacks (serialization, deadlock), insufficient
  // resources (too many connections, disk full), operator intervention (shutdown), lock
  // not available.
  if (sqlclass == "08" || sqlclass == "40" || sqlclass == "53" || sqlclass == "57"
      || sqlstate == "55P03") {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

bool IsRetryablePgError(std::string_view sqlstate) {
  return sqlstate == kPgSerializationFailure || sqlstate == kPgDeadlockDetected;
}

std::string DescribePgUrl(std::string_view url) {
  std::string error;
  const Conninfo options = ParseConninfo(std::string(url), error);
  if (options == nullptr) {
    return "postgres://(malformed URL)";
  }
  const std::string user = ConninfoValue(options.get(), "user");
  std::string host = ConninfoValue(options.get(), "host");
  if (host.empty()) {
    host = ConninfoValue(options.get(), "hostaddr");
  }
  const std::string port = ConninfoValue(options.get(), "port");
  const std::string dbname = ConninfoValue(options.get(), "dbname");
  std::string out = "postgres://";
  if (!user.empty()) {
    out += user + "@";
  }
  out += host.empty() ? "(default host)" : host;
  if (!port.empty()) {
    out += ":" + port;
  }
  out += "/" + dbname;
  return out;
}

// --- PgParams ---------------------------------------------------------------------------

PgParams& PgParams::Add(std::optional<std::string> value, Oid type) {
  values_.push_back(std::move(value));
  types_.push_back(type);
  return *this;
}

PgParams& PgParams::Text(std::string_view value) {
  has_nul_ = has_nul_ || value.find('\0') != std::string_view::npos;
  return Add(std::string(value), kTextOid);
}

PgParams& PgParams::NullableText(const std::optional<std::string>& value) {
  if (!value.has_value()) {
    return Add(std::nullopt, kTextOid);
  }
  return Text(*value);
}

PgParams& PgParams::Int64(std::int64_t value) {
  return Add(std::to_string(value), kInt8Oid);
}

PgParams& PgParams::NullableInt64(const std::optional<std::int64_t>& value) {
  return value.has_value() ? Int64(*value) : Add(std::nullopt, kInt8Oid);
}

PgParams& PgParams::Int32(int value) {
  return Add(std::to_string(value), kInt4Oid);
}

PgParams& PgParams::NullableInt32(const std::optional<int>& value) {
  return value.has_value() ? Int32(*value) : Add(std::nullopt, kInt4Oid);
}

PgParams& PgParams::Double(double value) {
  // The shortest text that reads back as the same double ("inf"/"nan" are accepted too).
  std::array<char, 32> buffer{};
  const std::to_chars_result written =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return Add(std::string(buffer.data(), written.ptr), kFloat8Oid);
}

PgParams& PgParams::Bool(bool value) {
  return Add(value ? "true" : "false", kBoolOid);
}

// --- PgResult ---------------------------------------------------------------------------

std::int64_t PgResult::affected_rows() const {
  const std::string_view text = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string_view PgResult::View(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  return {value, static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::optional<std::string> PgResult::NullableText(int row, int column) const {
  if (IsNull(row, column)) {
    return std::nullopt;
  }
  return Text(row, column);
}

std::int64_t PgResult::Int64(int row, int column) const {
  const std::string_view text = View(row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<std::int64_t> PgResult::NullableInt64(int row, int column) const {
  if (IsNull(row, column)) {
    return std::nullopt;
  }
  return Int64(row, column);
}

double PgResult::Double(int row, int column) const {
  std::string_view text = View(row, column);
  // PostgreSQL spells the specials "Infinity", "-Infinity" and "NaN"; from_chars reads them.
  double value = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// --- PgConnection -----------------------------------------------------------------------

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  std::string parse_error;
  const Conninfo parsed = ParseConninfo(url, parse_error);
  if (parsed == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                "storage: the PostgreSQL URL is malformed: "
                    + ReplaceAll(OneLine(parse_error), GuessPassword(url), "***"));
  }
  std::string password = ConninfoValue(parsed.get(), "password");

  // The URL's own settings override connect_timeout; client_encoding is ours: every text the
  // stores exchange is UTF-8.
  const std::array<const char*, 5> keywords = {
      "connect_timeout", "dbname", "fallback_application_name", "client_encoding", nullptr};
  const std::array<const char*, 5> values = {"10", url.c_str(), "amaima", "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) {
    return Fail(ErrorCode::kUnavailable, "storage: out of memory connecting to PostgreSQL");
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, std::move(password)));
  if (PQstatus(conn) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable, "storage: cannot connect to " + DescribePgUrl(url) + ": "
                                             + connection->Scrub(OneLine(PQerrorMessage(conn))));
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return connection;
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

std::string PgConnection::Scrub(std::string message) const {
  return ReplaceAll(std::move(message), password_, "***");
}

Status PgConnection::Reset() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable, "storage: cannot reconnect to PostgreSQL: "
                                             + Scrub(OneLine(PQerrorMessage(conn_))));
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  return {};
}

Result<PgResult> PgConnection::Exec(const std::string& sql, const PgParams& params) {
  last_sqlstate_.clear();
  if (params.has_nul()) {
    return Fail(ErrorCode::kInvalidArgument,
                "storage: a text value contains a NUL byte, which PostgreSQL cannot store");
  }
  std::vector<const char*> values;
  values.reserve(params.values_.size());
  for (const std::optional<std::string>& value : params.values_) {
    values.push_back(value.has_value() ? value->c_str() : nullptr);
  }
  PgResult result(PQexecParams(conn_, sql.c_str(), params.size(), params.types_.data(),
                               values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                               /*resultFormat=*/0));
  const PGresult* raw = result.get();
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return result;
  }
  const std::string head(StatementHead(sql));
  const char* sqlstate = raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  if (broken()) {
    // The connection is gone: whatever the server said last, the statement did not complete.
    return Fail(ErrorCode::kUnavailable, "storage: PostgreSQL connection lost running '" + head
                                             + "': " + Scrub(OneLine(PQerrorMessage(conn_))));
  }
  if (sqlstate == nullptr) {  // Refused by libpq itself (out of memory, too many parameters).
    return Fail(ErrorCode::kInternal,
                "storage: libpq refused '" + head + "': " + Scrub(OneLine(PQerrorMessage(conn_))));
  }
  last_sqlstate_ = sqlstate;
  const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = "storage: '" + head + "' failed: ";
  message += primary != nullptr ? primary : "(no message)";
  message += " (SQLSTATE " + last_sqlstate_ + ")";
  return Fail(PgErrorCode(last_sqlstate_), Scrub(std::move(message)));
}

// --- PgTransaction ----------------------------------------------------------------------

Result<PgTransaction> PgTransaction::Begin(PgConnection& connection, const std::string& begin) {
  Result<PgResult> begun = connection.Exec(begin);
  if (!begun) {
    return begun.error();
  }
  return PgTransaction(connection);
}

PgTransaction::~PgTransaction() {
  if (connection_ != nullptr && !connection_->broken()) {
    (void)connection_->Exec("ROLLBACK");
  }
}

Status PgTransaction::Commit() {
  PgConnection* connection = std::exchange(connection_, nullptr);
  Result<PgResult> committed = connection->Exec("COMMIT");
  if (!committed) {
    return committed.error();
  }
  // COMMIT of a transaction the server already aborted answers ROLLBACK, not an error.
  if (committed->command_status() != "COMMIT") {
    return Fail(ErrorCode::kInternal, "storage: the transaction was rolled back, not committed");
  }
  return {};
}

// --- PgPool -----------------------------------------------------------------------------

Result<std::unique_ptr<PgPool>> PgPool::Open(const PgOptions& options) {
  if (options.url.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "storage: the PostgreSQL URL is empty");
  }
  if (options.pool_size < 1 || options.pool_size > kMaxPoolSize) {
    return Fail(ErrorCode::kInvalidArgument, "storage: pool_size must be in 1..64");
  }
  if (options.max_attempts < 1 || options.max_attempts > kMaxAttempts) {
    return Fail(ErrorCode::kInvalidArgument, "storage: max_attempts must be in 1..10");
  }
  if (options.acquire_timeout.count() < 0) {
    return Fail(ErrorCode::kInvalidArgument, "storage: acquire_timeout must not be negative");
  }
  if (PQisthreadsafe() == 0) {
    return Fail(ErrorCode::kFailedPrecondition, "storage: libpq was built without threads");
  }
  Result<std::unique_ptr<PgConnection>> first = PgConnection::Connect(options.url);
  if (!first) {
    return first.error();
  }
  return std::unique_ptr<PgPool>(
      new PgPool(options, DescribePgUrl(options.url), std::move(*first)));
}

PgPool::PgPool(PgOptions options, std::string description, std::unique_ptr<PgConnection> first)
    : options_(std::move(options)), description_(std::move(description)) {
  idle_.push_back(std::move(first));
  open_ = 1;
}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (connection_ != nullptr) {
    pool_->Release(std::move(connection_));
  }
}

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_ptr<PgConnection> connection;
  {
    std::unique_lock lock(mutex_);
    const bool available = released_.wait_for(lock, options_.acquire_timeout, [this] {
      return !idle_.empty() || open_ < options_.pool_size;
    });
    if (!available) {
      return Fail(ErrorCode::kUnavailable, "storage: all " + std::to_string(options_.pool_size)
                                               + " PostgreSQL connections stayed busy for "
                                               + std::to_string(options_.acquire_timeout.count())
                                               + " ms");
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());  // The most recently used: likely still alive.
      idle_.pop_back();
    } else {
      ++open_;  // Reserved now, opened below without holding the lock.
    }
  }
  if (connection == nullptr) {
    Result<std::unique_ptr<PgConnection>> opened = PgConnection::Connect(options_.url);
    if (!opened) {
      {
        const std::lock_guard lock(mutex_);
        --open_;
      }
      released_.notify_one();
      return opened.error();
    }
    connection = std::move(*opened);
  } else if (connection->broken()) {
    Status reset = connection->Reset();
    if (!reset) {
      connection.reset();
      {
        const std::lock_guard lock(mutex_);
        --open_;
      }
      released_.notify_one();
      return reset.error();
    }
  }
  return Lease(*this, std::move(connection));
}

void PgPool::Release(std::unique_ptr<PgConnection> connection) {
  // A connection left inside a transaction (its rollback failed) is not reused; a broken one
  // is kept and reset when next acquired.
  if (connection->in_transaction() && !connection->broken()) {
    connection.reset();
  }
  {
    const std::lock_guard lock(mutex_);
    if (connection != nullptr) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  released_.notify_one();
}

bool PgPool::ShouldRetry(const PgConnection& connection, int attempt, bool during_commit) const {
  if (attempt >= options_.max_attempts) {
    return false;
  }
  if (IsRetryablePgError(connection.last_sqlstate())) {
    return true;
  }
  return connection.broken() && !during_commit;
}

}  // namespace amaima::storage
