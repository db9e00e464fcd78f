#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "amaima/core/access.h"
#include "amaima/pipeline/budget_hold.h"
#include "amaima/routing/decision.h"
#include "amaima/routing/router.h"

namespace amaima::pipeline {

// All per-request state of one request through the pipeline. Owned by the
// handler coroutine that runs the pipeline; stages borrow it for the duration of
// their call and keep no reference afterwards.
struct Exchange {
  std::string request_id{};
  std::string org_id{};
  // Who is asking (org, key, user, role): whose budgets the request is charged to.
  Principal principal{};
  std::chrono::steady_clock::time_point started{};
  // What to decide on, parsed from the wire by api/.
  routing::RouteRequest route_request{};
  // Whether the routing stage waits for the decision's commit before continuing. True where
  // the decision is what the client asked for (simulate, decision-only query): it is durable
  // before the answer. Surfaces that execute set it false: the decision is then queued and
  // written alongside the upstream call, like the usage record (DESIGN.md §3, "persisted
  // asynchronously"), and a failed write is counted, not answered.
  bool await_decision_commit{true};
  // Filled by the routing stage.
  std::optional<routing::Decision> decision{};
  // The decision as recorded (its wire form), set once it is durably stored.
  std::string recorded_decision{};
  // Set by the budget stage when a budget applies: the reservation of the decision's estimated
  // cost. The terminal handler takes it and settles it with the actual cost; destroyed
  // unsettled (the request never ran), it is released.
  std::unique_ptr<BudgetHold> budget_hold{};
};

}  // namespace amaima::pipeline
