#include "amaima/limits/budget_rules.h"

#include <cmath>

namespace amaima::limits::internal {

std::int64_t ToMicros(double usd) {
  if (!(usd > 0)) {
    return 0;
  }
  if (usd >= kMaxUsd) {
    return kMaxMicros;
  }
  return static_cast<std::int64_t>(std::llround(usd * kMicrosPerUsd));
}

double ToUsd(std::int64_t micros) {
  return static_cast<double>(micros) / kMicrosPerUsd;
}

// "12.5" for 12'500'000 micro-dollars: exact, no trailing zeros.
std::string FormatUsd(std::int64_t micros) {
  constexpr std::int64_t kPerUsd = 1'000'000;
  std::string text = std::to_string(micros / kPerUsd);
  const std::int64_t fraction = micros % kPerUsd;
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, 6 - digits.size(), '0');
    digits.erase(digits.find_last_not_of('0') + 1);
    text += '.';
    text += digits;
  }
  return text;
}

BudgetSeverity SeverityOf(int percent) {
  if (percent >= 100) {
    return BudgetSeverity::kExhausted;
  }
  if (percent >= 95) {
    return BudgetSeverity::kCritical;
  }
  if (percent >= 80) {
    return BudgetSeverity::kAlert;
  }
  return BudgetSeverity::kWarning;
}

std::chrono::system_clock::time_point FromMillis(std::int64_t millis) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(millis));
}

Status ValidateReserve(std::span<const BudgetScope> scopes, double estimated_usd,
                       std::string_view request_id) {
  if (request_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "budget reservation: the request id is empty");
  }
  if (!std::isfinite(estimated_usd) || estimated_usd < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "budget reservation: the estimate must be a number >= 0");
  }
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const BudgetScope& scope = scopes[i];
    if (scope.id.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "budget reservation: a scope id is empty");
    }
    if (!std::isfinite(scope.cap_usd) || scope.cap_usd < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "budget reservation: the cap of " + scope.id + " must be a number >= 0");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (scopes[j].id == scope.id && scopes[j].period == scope.period) {
        return Fail(ErrorCode::kInvalidArgument, "budget reservation: scope " + scope.id + " ("
                                                     + std::string(BudgetPeriodName(scope.period))
                                                     + ") is given twice");
      }
    }
  }
  return {};
}

Error BudgetExceeded(const BudgetScope& scope, std::chrono::system_clock::time_point period_end,
                     std::int64_t cap, std::int64_t spent, std::int64_t reserved,
                     std::int64_t estimate) {
  const std::string period(BudgetPeriodName(scope.period));
  Error error =
      Fail(ErrorCode::kResourceExhausted, "BUDGET_EXCEEDED",
           "the " + period + " budget of " + scope.id + " (" + FormatUsd(cap)
               + " USD) cannot admit a request estimated at " + FormatUsd(estimate) + " USD");
  error.details = {
      {"scope", scope.id},
      {"period", period},
      {"cap_usd", FormatUsd(cap)},
      {"spent_usd", FormatUsd(spent)},
      {"reserved_usd", FormatUsd(reserved)},
      {"estimated_usd", FormatUsd(estimate)},
      {"period_end", FormatRfc3339(period_end)},
  };
  return error;
}

}  // namespace amaima::limits::internal
