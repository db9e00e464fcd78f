#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/governance/governance.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/limits/budget_ledger.h"
#include "amaima/pipeline/stages/budget/budget_definitions.h"
#include "amaima/storage/governance_store.h"

namespace amaima::api {

// Budgets (DESIGN.md §8, docs/governance.md "Budgets"): their definitions, administered per
// organisation, and where each stands in its current period.
//   PUT    /v1/admin/budgets       {"scope_type": "org" | "key" | "user", "scope_id",
//                                   "org_id"?, "period": "daily" | "monthly", "cap_usd",
//                                   "action"?: "reject" | "downgrade"}   create or replace
//   GET    /v1/admin/budgets[?org_id=]   an admin of "default" sees every organisation
//   DELETE /v1/admin/budgets/{id}
//   GET    /v1/budgets              the budgets that apply to the caller, with spending
// A budget belongs to `org_id` (default: the caller's organisation; for an org budget, its
// scope_id); a key budget's key must belong to it. Only the organisation's admins (and the
// system organisation's) change it, and each change is audited (budget.set, budget.delete).
// Changes apply at once to this process's requests. Store and ledger calls run on the
// blocking pool.
//
// @par Thread Safety
// Thread-safe; everything is borrowed and must outlive the routes.
class BudgetApi {
 public:
  BudgetApi(pipeline::BudgetDefinitions& budgets, const limits::BudgetLedger& ledger,
            governance::Governance& governance, storage::GovernanceStore& governance_store,
            IdGenerator& ids, const Clock& clock, boost::asio::thread_pool& blocking_pool,
            std::string default_action);

  // Adds the four routes: the admin ones need manage_org, GET /v1/budgets read_analytics.
  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> Put(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> List(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Delete(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Mine(http::HttpRequest& request);

 private:
  pipeline::BudgetDefinitions& budgets_;
  const limits::BudgetLedger& ledger_;
  governance::Governance& governance_;
  storage::GovernanceStore& governance_store_;
  IdGenerator& ids_;
  const Clock& clock_;
  boost::asio::thread_pool& pool_;
  std::string default_action_;
};

}  // namespace amaima::api
