#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "amaima/routing/decision.h"
#include "amaima/routing/router.h"

namespace amaima::pipeline {

// All per-request state of one request through the pipeline. Owned by the
// handler coroutine that runs the pipeline; stages borrow it for the duration of
// their call and keep no reference afterwards.
struct Exchange {
  std::string request_id{};
  std::string org_id{};
  std::chrono::steady_clock::time_point started{};
  // What to decide on, parsed from the wire by api/.
  routing::RouteRequest route_request{};
  // Filled by the routing stage.
  std::optional<routing::Decision> decision{};
  // The decision as recorded (its wire form), set once it is durably stored.
  std::string recorded_decision{};
};

}  // namespace amaima::pipeline
