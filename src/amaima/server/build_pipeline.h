#pragma once

#include "amaima/config/config.h"
#include "amaima/pipeline/decision_recorder.h"
#include "amaima/pipeline/pipeline.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"
#include "amaima/routing/router.h"

namespace amaima::server {

// What the stages are built from. Borrowed; must outlive the pipeline.
struct Services {
  const routing::Router& router;
  pipeline::DecisionRecorder& recorder;
  const pipeline::BudgetGate* budget_gate;  // Null: budgets are not enforced.
};

// Wires the stages in order: routing (decide), budget (reserve; may downgrade the decision),
// recording. A new stage is one line here (no self-registration).
pipeline::Pipeline BuildPipeline(const config::Config& config, Services& services);

}  // namespace amaima::server
