#include "amaima/limits/redis/redis_budget_ledger.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "amaima/limits/budget_rules.h"

namespace amaima::limits {
namespace {

using internal::BudgetExceeded;
using internal::FormatUsd;
using internal::FromMillis;
using internal::kMaxMicros;
using internal::kMaxUsd;
using internal::kMicrosPerUsd;
using internal::SeverityOf;
using internal::ToMicros;
using internal::ToUsd;
using internal::ValidateReserve;

// Amounts are integer micro-dollars below 2^53 (at most 1e15 each, sums at most 3e15), so
// Lua's doubles hold them exactly; they are written back with '%.0f', never with tostring()
// (which keeps 14 digits). Lua numbers in a reply become integers, exact at these sizes.

// KEYS[1]: the hold; KEYS[2..]: the scopes' accounts in their current periods. ARGV[1]: the
// estimate; ARGV[2]: the hold's expiry (ms); then three per account: cap, expiry (ms), period
// end (Unix ms). Returns {'exists'}, {'exceeded', account index (1-based), spent, reserved}
// or {'ok'}.
constexpr std::string_view kReserveScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'exists'}
end
local estimate = tonumber(ARGV[1])
local count = #KEYS - 1
for i = 1, count do
  local cap = tonumber(ARGV[3 + (i - 1) * 3])
  local account = redis.call('HMGET', KEYS[i + 1], 'spent', 'reserved')
  local spent = tonumber(account[1]) or 0
  local reserved = tonumber(account[2]) or 0
  if spent + reserved + estimate > cap then
    return {'exceeded', i, spent, reserved}
  end
end
for i = 1, count do
  local at = 3 + (i - 1) * 3
  local key = KEYS[i + 1]
  redis.call('HINCRBY', key, 'reserved', ARGV[1])
  redis.call('HINCRBY', key, 'holds', 1)
  redis.call('HSET', key, 'cap', ARGV[at], 'end', ARGV[at + 2])
  redis.call('PEXPIRE', key, ARGV[at + 1])
  redis.call('HSET', KEYS[1], 'a' .. i, key)
end
redis.call('HSET', KEYS[1], 'amount', ARGV[1], 'count', tostring(count))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'ok'}
)lua";

// KEYS[1]: the hold. ARGV: charge ('1' or '0'), the actual cost, the most an account
// records, now (Unix ms). Returns {0} when nothing is held, else {1, then one
// {account key, threshold, spent, cap} per threshold crossed}.
//
// Thresholds: spent * 100 >= percent * cap, evaluated without forming products above 2^53
// (cap = 100 a + b; the test is 100 (spent - percent a) >= percent b).
constexpr std::string_view kSettleScript = R"lua(
local function reaches(spent, cap, percent)
  local a = math.floor(cap / 100)
  local b = cap - a * 100
  return (spent - percent * a) * 100 >= percent * b
end
local function reached(spent, cap)
  if spent <= 0 then
    return 0
  end
  for _, percent in ipairs({100, 95, 80, 50}) do
    if reaches(spent, cap, percent) then
      return percent
    end
  end
  return 0
end
local function int(x)
  return string.format('%.0f', x)
end
local hold = redis.call('HMGET', KEYS[1], 'amount', 'count')
if not hold[1] then
  return {0}
end
local amount = tonumber(hold[1])
local count = tonumber(hold[2]) or 0
local accounts = {}
for i = 1, count do
  accounts[i] = redis.call('HGET', KEYS[1], 'a' .. i)
end
redis.call('DEL', KEYS[1])
local charge = ARGV[1] == '1'
local actual = tonumber(ARGV[2])
local most = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local reply = {1}
for i = 1, count do
  local key = accounts[i]
  -- An account missing here expired: its period ended period_margin ago.
  if key and redis.call('EXISTS', key) == 1 then
    local account = redis.call('HMGET', key, 'spent', 'reserved', 'holds', 'cap', 'reported', 'end')
    local spent = tonumber(account[1]) or 0
    local reserved = math.max(0, (tonumber(account[2]) or 0) - amount)
    local holds = math.max(0, (tonumber(account[3]) or 0) - 1)
    local cap = tonumber(account[4]) or 0
    local reported = tonumber(account[5]) or 0
    if charge then
      spent = math.min(most, spent + actual)
      local percent = reached(spent, cap)
      if percent > reported then
        reported = percent
        reply[#reply + 1] = {key, percent, spent, cap}
      end
    end
    if holds == 0 and now >= (tonumber(account[6]) or 0) then
      -- An ended period with nothing left to settle.
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'spent', int(spent), 'reserved', int(reserved),
                 'holds', int(holds), 'reported', int(reported))
    end
  end
end
return reply
)lua";

// KEYS: accounts. Returns spent + reserved of each (0 for a missing one).
constexpr std::string_view kHeadroomScript = R"lua(
local reply = {}
for i = 1, #KEYS do
  local account = redis.call('HMGET', KEYS[i], 'spent', 'reserved')
  reply[i] = (tonumber(account[1]) or 0) + (tonumber(account[2]) or 0)
end
return reply
)lua";

Error BadReply(std::string_view script) {
  return Fail(ErrorCode::kInternal, "SYSTEM_INTERNAL_ERROR",
              "redis: unexpected reply of the budget " + std::string(script) + " script");
}

// The text of element `index` of an array reply, or "" when it is not a string.
std::string_view TextAt(const RedisReply& reply, std::size_t index) {
  if (reply.type != RedisReply::Type::kArray || index >= reply.elements.size()) {
    return {};
  }
  const RedisReply& element = reply.elements[index];
  if (element.type != RedisReply::Type::kString && element.type != RedisReply::Type::kStatus) {
    return {};
  }
  return element.text;
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// A hash field read by HMGET: a decimal integer, or 0 when missing.
Result<std::int64_t> FieldAt(const RedisReply& reply, std::size_t index) {
  if (reply.type == RedisReply::Type::kArray && index < reply.elements.size()
      && reply.elements[index].type == RedisReply::Type::kNil) {
    return 0;
  }
  return RedisIntegerAt(reply, index);
}

}  // namespace

RedisBudgetLedger::RedisBudgetLedger(RedisClient& client, const Clock& clock,
                                     RedisBudgetLedgerOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      reserve_script_(std::string(kReserveScript)),
      settle_script_(std::string(kSettleScript)),
      headroom_script_(std::string(kHeadroomScript)) {}

std::string RedisBudgetLedger::AccountKey(
    std::string_view scope_id, BudgetPeriod period,
    std::chrono::system_clock::time_point period_start) const {
  // The period and its start contain no ':', so the scope id may.
  std::string key = options_.key_prefix;
  key += "budget:";
  key += BudgetPeriodName(period);
  key += ':';
  key += std::to_string(UnixMillis(period_start));
  key += ':';
  key += scope_id;
  return key;
}

std::string RedisBudgetLedger::HoldKey(std::string_view request_id) const {
  std::string key = options_.key_prefix;
  key += "budget:hold:";
  key += request_id;
  return key;
}

Result<Reservation> RedisBudgetLedger::Reserve(std::span<const BudgetScope> scopes,
                                               double estimated_usd, std::string_view request_id) {
  if (auto valid = ValidateReserve(scopes, estimated_usd, request_id); !valid) {
    return valid.error();
  }
  const std::int64_t estimate = ToMicros(estimated_usd);
  const auto now = clock_.Now();
  const std::int64_t now_ms = UnixMillis(now);
  const std::int64_t margin_ms = std::max<std::int64_t>(0, options_.period_margin.count());

  Reservation reservation{std::string(request_id), estimated_usd, {}};
  reservation.scopes.reserve(scopes.size());
  std::vector<std::string> keys = {HoldKey(request_id)};
  std::vector<std::string> args = {std::to_string(estimate), ""};
  std::int64_t hold_ttl = std::max<std::int64_t>(1, margin_ms);
  for (const BudgetScope& scope : scopes) {
    const BudgetPeriodBounds bounds = BudgetPeriodAt(scope.period, now);
    reservation.scopes.push_back(ScopeReservation{scope.id, scope.period, bounds.start});
    keys.push_back(AccountKey(scope.id, scope.period, bounds.start));
    const std::int64_t end_ms = UnixMillis(bounds.end);
    const std::int64_t ttl = std::max<std::int64_t>(1, end_ms + margin_ms - now_ms);
    hold_ttl = std::max(hold_ttl, ttl);
    args.push_back(std::to_string(ToMicros(scope.cap_usd)));
    args.push_back(std::to_string(ttl));
    args.push_back(std::to_string(end_ms));
  }
  args[1] = std::to_string(hold_ttl);

  Result<RedisReply> reply = client_.Eval(reserve_script_, keys, args);
  if (!reply) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return reply.error();
  }
  const std::string_view outcome = TextAt(*reply, 0);
  if (outcome == "ok") {
    return reservation;
  }
  if (outcome == "exists") {
    return Fail(ErrorCode::kAlreadyExists,
                "budget reservation: request " + reservation.request_id + " already holds one");
  }
  if (outcome == "exceeded") {
    Result<std::int64_t> index = RedisIntegerAt(*reply, 1);
    Result<std::int64_t> spent = RedisIntegerAt(*reply, 2);
    Result<std::int64_t> reserved = RedisIntegerAt(*reply, 3);
    if (index && spent && reserved && *index >= 1
        && static_cast<std::size_t>(*index) <= scopes.size()) {
      const BudgetScope& scope = scopes[static_cast<std::size_t>(*index) - 1];
      return BudgetExceeded(scope, BudgetPeriodAt(scope.period, now).end, ToMicros(scope.cap_usd),
                            *spent, *reserved, estimate);
    }
  }
  return BadReply("reserve");
}

Result<BudgetThresholdEvent> RedisBudgetLedger::EventFrom(const RedisReply& element) const {
  // {account key, threshold, spent, cap}; the key is "<prefix>budget:<period>:<start>:<id>".
  std::string_view key = TextAt(element, 0);
  Result<std::int64_t> percent = RedisIntegerAt(element, 1);
  Result<std::int64_t> spent = RedisIntegerAt(element, 2);
  Result<std::int64_t> cap = RedisIntegerAt(element, 3);
  const std::string head = options_.key_prefix + "budget:";
  if (!percent || !spent || !cap || !key.starts_with(head)) {
    return BadReply("settle");
  }
  key.remove_prefix(head.size());
  BudgetThresholdEvent event;
  if (key.starts_with("daily:")) {
    event.period = BudgetPeriod::kDaily;
  } else if (key.starts_with("monthly:")) {
    event.period = BudgetPeriod::kMonthly;
  } else {
    return BadReply("settle");
  }
  key.remove_prefix(key.find(':') + 1);
  const std::size_t colon = key.find(':');
  const std::optional<std::int64_t> start_ms =
      colon == std::string_view::npos ? std::nullopt : ParseInteger(key.substr(0, colon));
  if (!start_ms) {
    return BadReply("settle");
  }
  event.scope_id = std::string(key.substr(colon + 1));
  event.period_start = FromMillis(*start_ms);
  event.threshold_percent = static_cast<int>(*percent);
  event.severity = SeverityOf(event.threshold_percent);
  event.spent_usd = ToUsd(*spent);
  event.cap_usd = ToUsd(*cap);
  return event;
}

Result<ReconcileResult> RedisBudgetLedger::Settle(std::string_view request_id,
                                                  std::int64_t actual_micros, bool charge) {
  const std::vector<std::string> keys = {HoldKey(request_id)};
  const std::vector<std::string> args = {charge ? "1" : "0", std::to_string(actual_micros),
                                         std::to_string(kMaxMicros),
                                         std::to_string(UnixMillis(clock_.Now()))};
  Result<RedisReply> reply = client_.Eval(settle_script_, keys, args);
  if (!reply) {
    return reply.error();
  }
  Result<std::int64_t> settled = RedisIntegerAt(*reply, 0);
  if (!settled) {
    return settled.error();
  }
  ReconcileResult result;
  result.settled = *settled == 1;
  for (std::size_t i = 1; i < reply->elements.size(); ++i) {
    Result<BudgetThresholdEvent> event = EventFrom(reply->elements[i]);
    if (!event) {
      return event.error();
    }
    result.events.push_back(std::move(*event));
  }
  return result;
}

Result<ReconcileResult> RedisBudgetLedger::SettleWithRetries(std::string_view request_id,
                                                             std::int64_t actual_micros,
                                                             bool charge) {
  Result<ReconcileResult> result = Settle(request_id, actual_micros, charge);
  for (int attempt = 1; attempt < options_.settle_attempts && !result
                        && result.error().code == ErrorCode::kUnavailable;
       ++attempt) {
    result = Settle(request_id, actual_micros, charge);
  }
  if (!result) {
    failures_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

Result<ReconcileResult> RedisBudgetLedger::TryReconcile(const Reservation& reservation,
                                                        double actual_usd) {
  const std::int64_t actual = std::isfinite(actual_usd) ? ToMicros(actual_usd) : 0;
  return Settle(reservation.request_id, actual, /*charge=*/true);
}

ReconcileResult RedisBudgetLedger::Reconcile(const Reservation& reservation, double actual_usd) {
  const std::int64_t actual = std::isfinite(actual_usd) ? ToMicros(actual_usd) : 0;
  Result<ReconcileResult> result =
      SettleWithRetries(reservation.request_id, actual, /*charge=*/true);
  return result ? std::move(*result) : ReconcileResult{};
}

amaima::Status RedisBudgetLedger::TryRelease(const Reservation& reservation) {
  Result<ReconcileResult> result = Settle(reservation.request_id, 0, /*charge=*/false);
  if (!result) {
    return result.error();
  }
  return {};
}

void RedisBudgetLedger::Release(const Reservation& reservation) {
  // Releasing charges nothing, so there are no events to report; a failure is counted.
  static_cast<void>(SettleWithRetries(reservation.request_id, 0, /*charge=*/false));
}

Result<double> RedisBudgetLedger::TryHeadroom(std::span<const BudgetScope> scopes) const {
  if (scopes.empty()) {
    return std::numeric_limits<double>::infinity();
  }
  const auto now = clock_.Now();
  std::vector<std::string> keys;
  keys.reserve(scopes.size());
  for (const BudgetScope& scope : scopes) {
    keys.push_back(AccountKey(scope.id, scope.period, BudgetPeriodAt(scope.period, now).start));
  }
  Result<RedisReply> reply = client_.Eval(headroom_script_, keys, {});
  if (!reply) {
    return reply.error();
  }
  std::int64_t headroom = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    Result<std::int64_t> used = RedisIntegerAt(*reply, i);
    if (!used) {
      return used.error();
    }
    headroom = std::min(headroom, ToMicros(scopes[i].cap_usd) - *used);
  }
  return ToUsd(std::max<std::int64_t>(0, headroom));
}

double RedisBudgetLedger::Headroom(std::span<const BudgetScope> scopes) const {
  Result<double> headroom = TryHeadroom(scopes);
  if (headroom) {
    return *headroom;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  return 0;  // Fail closed: no request fits.
}

Result<BudgetStatus> RedisBudgetLedger::TryStatus(const BudgetScope& scope) const {
  const BudgetPeriodBounds bounds = BudgetPeriodAt(scope.period, clock_.Now());
  const std::string key = AccountKey(scope.id, scope.period, bounds.start);
  Result<RedisReply> reply = client_.Command({"HMGET", key, "spent", "reserved"});
  if (!reply) {
    return reply.error();
  }
  Result<std::int64_t> spent = FieldAt(*reply, 0);
  Result<std::int64_t> reserved = FieldAt(*reply, 1);
  if (!spent || !reserved) {
    return BadReply("status");
  }
  BudgetStatus status;
  status.spent_usd = ToUsd(*spent);
  status.reserved_usd = ToUsd(*reserved);
  status.cap_usd = scope.cap_usd;
  status.period_start = bounds.start;
  status.period_end = bounds.end;
  return status;
}

BudgetStatus RedisBudgetLedger::Status(const BudgetScope& scope) const {
  Result<BudgetStatus> status = TryStatus(scope);
  if (status) {
    return *status;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  // Fail closed: report the account as exhausted.
  const BudgetPeriodBounds bounds = BudgetPeriodAt(scope.period, clock_.Now());
  BudgetStatus exhausted;
  exhausted.spent_usd = scope.cap_usd;
  exhausted.cap_usd = scope.cap_usd;
  exhausted.period_start = bounds.start;
  exhausted.period_end = bounds.end;
  return exhausted;
}

}  // namespace amaima::limits
