#include "amaima/pipeline/stages/budget/budget_definitions.h"

#include <algorithm>
#include <utility>

namespace amaima::pipeline {
namespace {

int ScopeRank(std::string_view scope_type) {
  if (scope_type == storage::kBudgetScopeOrg) {
    return 0;
  }
  return scope_type == storage::kBudgetScopeKey ? 1 : 2;
}

}  // namespace

BudgetDefinitions::BudgetDefinitions(storage::BudgetStore& store, const Clock& clock,
                                     std::chrono::milliseconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

std::optional<BudgetList> BudgetDefinitions::Cached(std::string_view org_id) const {
  const auto now = clock_.Monotonic();
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(org_id);
  if (found == entries_.end() || now - found->second.loaded >= ttl_) {
    return std::nullopt;
  }
  return found->second.budgets;
}

Result<BudgetList> BudgetDefinitions::ForOrg(std::string_view org_id) {
  if (std::optional<BudgetList> cached = Cached(org_id)) {
    return *cached;
  }
  std::uint64_t generation = 0;
  {
    const std::lock_guard lock(mutex_);
    generation = generation_;
  }
  const auto loaded = clock_.Monotonic();
  Result<std::vector<storage::StoredBudget>> listed = store_.ListBudgets(org_id);
  if (!listed) {
    return listed.error();
  }
  auto budgets = std::make_shared<const std::vector<storage::StoredBudget>>(std::move(*listed));
  const std::lock_guard lock(mutex_);
  if (generation == generation_) {
    entries_.insert_or_assign(std::string(org_id), Entry{budgets, loaded});
  }
  return BudgetList(std::move(budgets));
}

void BudgetDefinitions::Invalidate(std::string_view org_id) {
  const std::lock_guard lock(mutex_);
  ++generation_;
  if (const auto found = entries_.find(org_id); found != entries_.end()) {
    entries_.erase(found);
  }
}

std::vector<storage::StoredBudget> BudgetsFor(const std::vector<storage::StoredBudget>& budgets,
                                              const Principal& principal) {
  const std::string org = principal.Org();
  std::vector<storage::StoredBudget> out;
  for (const storage::StoredBudget& budget : budgets) {
    if (budget.org_id != org) {
      continue;
    }
    const bool applies = (budget.scope_type == storage::kBudgetScopeOrg && budget.scope_id == org)
                         || (budget.scope_type == storage::kBudgetScopeKey
                             && !principal.key_id.empty() && budget.scope_id == principal.key_id)
                         || (budget.scope_type == storage::kBudgetScopeUser
                             && !principal.user_id.empty() && budget.scope_id == principal.user_id);
    if (applies) {
      out.push_back(budget);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const storage::StoredBudget& a, const storage::StoredBudget& b) {
                     const int ra = ScopeRank(a.scope_type);
                     const int rb = ScopeRank(b.scope_type);
                     return ra != rb ? ra < rb : a.period < b.period;  // "daily" < "monthly"
                   });
  return out;
}

limits::BudgetPeriod ParseBudgetPeriod(std::string_view period) {
  return period == storage::kBudgetPeriodDaily ? limits::BudgetPeriod::kDaily
                                               : limits::BudgetPeriod::kMonthly;
}

limits::BudgetScope LedgerScope(const storage::StoredBudget& budget) {
  return limits::BudgetScope{budget.scope_type + ":" + budget.scope_id, budget.cap_usd,
                             ParseBudgetPeriod(budget.period)};
}

}  // namespace amaima::pipeline
