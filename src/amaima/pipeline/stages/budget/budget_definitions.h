#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/access.h"
#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/limits/budget_ledger.h"
#include "amaima/storage/budget_store.h"

namespace amaima::pipeline {

// An immutable list of budget rows, shared by the cache and its readers.
using BudgetList = std::shared_ptr<const std::vector<storage::StoredBudget>>;

// The budgets defined for each organisation, read from the BudgetStore and kept for `ttl`, so
// that the request path reads the store at most once per organisation and ttl. A change made
// through this process (Invalidate) applies at once; one made by another process sharing the
// store, within `ttl`.
//
// @par Thread Safety
// Thread-safe: one mutex guards the cache; it is never held across a store call. The store
// and the clock are borrowed and must outlive this object.
class BudgetDefinitions {
 public:
  BudgetDefinitions(storage::BudgetStore& store, const Clock& clock, std::chrono::milliseconds ttl);

  // The budgets of `org_id` when they are cached and fresh; nullopt otherwise. Never blocks.
  std::optional<BudgetList> Cached(std::string_view org_id) const;

  // The budgets of `org_id`, from the cache or the store (which blocks: call it on the
  // blocking pool). Errors are the store's.
  Result<BudgetList> ForOrg(std::string_view org_id);

  // Forgets what is cached for `org_id`, after a change to its budgets.
  void Invalidate(std::string_view org_id);

  storage::BudgetStore& store() const { return store_; }

 private:
  struct Entry {
    BudgetList budgets{};
    std::chrono::steady_clock::time_point loaded{};
  };

  storage::BudgetStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_{};  // GUARDED_BY(mutex_)
  // Bumped by Invalidate(), so that a read that started before a change is not cached.
  std::uint64_t generation_{0};  // GUARDED_BY(mutex_)
};

// The rows of `budgets` that apply to a request of `principal`: its organisation's budget and
// those of its key and its user, within its organisation only. Ordered org, key, user, daily
// before monthly.
std::vector<storage::StoredBudget> BudgetsFor(const std::vector<storage::StoredBudget>& budgets,
                                              const Principal& principal);

// The ledger account of `budget`: scope id "<scope_type>:<scope_id>" ("org:acme",
// "key:0193...", "user:u1"), its cap and its period.
limits::BudgetScope LedgerScope(const storage::StoredBudget& budget);

// "daily" -> kDaily, anything else -> kMonthly (the schema allows only the two).
limits::BudgetPeriod ParseBudgetPeriod(std::string_view period);

}  // namespace amaima::pipeline
