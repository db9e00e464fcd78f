#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::storage {

// The words a budget row is made of (checked by the schema and by the admin API).
inline constexpr std::string_view kBudgetScopeOrg = "org";
inline constexpr std::string_view kBudgetScopeKey = "key";
inline constexpr std::string_view kBudgetScopeUser = "user";
inline constexpr std::string_view kBudgetPeriodDaily = "daily";
inline constexpr std::string_view kBudgetPeriodMonthly = "monthly";
inline constexpr std::string_view kBudgetActionReject = "reject";
inline constexpr std::string_view kBudgetActionDowngrade = "downgrade";

// A spending cap (DESIGN.md §8): at most `cap_usd` per UTC day or month for the requests of
// one organisation, one API key or one user, and what happens to a request that would go
// over it. (scope_type, scope_id, period) names a budget; a scope may have a daily and a
// monthly one. `org_id` is the organisation the budget belongs to: it is administered by
// that organisation's admins and applies only to that organisation's requests.
struct StoredBudget {
  std::string budget_id{};   // UUIDv7, kept when the budget is replaced.
  std::string scope_type{};  // "org" | "key" | "user"
  std::string scope_id{};    // The org id, key id or user id.
  std::string org_id{};
  std::string period{};  // "daily" | "monthly"
  double cap_usd{0};     // >= 0.
  std::string action{};  // "reject" | "downgrade"
  std::int64_t created_at_ms{0};
  std::int64_t updated_at_ms{0};

  friend bool operator==(const StoredBudget&, const StoredBudget&) = default;
};

// Budget definitions (the caps; what was spent lives in the limits::BudgetLedger).
//
// @par Thread Safety
// Implementations are thread-safe. Calls block (disk, network): callers on I/O threads run
// them on the blocking pool.
class BudgetStore {
 public:
  BudgetStore() = default;
  BudgetStore(const BudgetStore&) = delete;
  BudgetStore& operator=(const BudgetStore&) = delete;
  BudgetStore(BudgetStore&&) = delete;
  BudgetStore& operator=(BudgetStore&&) = delete;
  virtual ~BudgetStore() = default;

  // Creates the budget of (scope_type, scope_id, period), or replaces the org, cap, action
  // and updated time of the one that exists, keeping its id and creation time. Returns the
  // row as stored. kInvalidArgument for a value the schema refuses.
  virtual Result<StoredBudget> UpsertBudget(const StoredBudget& budget) = 0;
  // kNotFound for an unknown id.
  virtual Result<StoredBudget> GetBudget(std::string_view budget_id) = 0;
  // The budgets of `org_id` ("" = every org), by scope type, scope id and period.
  virtual Result<std::vector<StoredBudget>> ListBudgets(std::string_view org_id) = 0;
  // kNotFound for an unknown id.
  virtual Status DeleteBudget(std::string_view budget_id) = 0;
};

}  // namespace amaima::storage
