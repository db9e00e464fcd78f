#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amaima/core/result.h"
#include "amaima/limits/budget_ledger.h"

// The arithmetic and the answers every BudgetLedger back end shares, so that the in-process
// and the Redis ledgers round, validate and refuse alike. Internal to limits/.
namespace amaima::limits::internal {

constexpr double kMicrosPerUsd = 1e6;
// Amounts are capped at 1e9 USD, so that spent * 100 (threshold checks) and
// spent + reserved + estimate stay far inside int64.
constexpr double kMaxUsd = 1e9;
constexpr std::int64_t kMaxMicros = 1'000'000'000'000'000;

// USD to integer micro-dollars, rounded to nearest; <= 0 and NaN give 0, huge amounts kMaxMicros.
std::int64_t ToMicros(double usd);
double ToUsd(std::int64_t micros);
// "12.5" for 12'500'000 micro-dollars: exact, no trailing zeros.
std::string FormatUsd(std::int64_t micros);
// warning (50), alert (80), critical (95), exhausted (100).
BudgetSeverity SeverityOf(int percent);
std::chrono::system_clock::time_point FromMillis(std::int64_t millis);
// kInvalidArgument for an empty request or scope id, a negative or non-finite amount, or a
// scope given twice.
Status ValidateReserve(std::span<const BudgetScope> scopes, double estimated_usd,
                       std::string_view request_id);
// The BUDGET_EXCEEDED error naming the scope that refused, with its figures.
Error BudgetExceeded(const BudgetScope& scope, std::chrono::system_clock::time_point period_end,
                     std::int64_t cap, std::int64_t spent, std::int64_t reserved,
                     std::int64_t estimate);

}  // namespace amaima::limits::internal
