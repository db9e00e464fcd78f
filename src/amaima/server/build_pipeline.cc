#include "amaima/server/build_pipeline.h"

#include <memory>
#include <vector>

#include "amaima/pipeline/stages/budget/budget_stage.h"
#include "amaima/pipeline/stages/routing/routing_stage.h"

namespace amaima::server {

pipeline::Pipeline BuildPipeline(const config::Config& /*config*/, Services& services) {
  std::vector<std::unique_ptr<pipeline::Stage>> stages;
  stages.push_back(std::make_unique<pipeline::RoutingStage>(services.router));
  if (services.budget_gate != nullptr) {
    stages.push_back(std::make_unique<pipeline::BudgetStage>(*services.budget_gate));
  }
  stages.push_back(std::make_unique<pipeline::RecordingStage>(services.recorder));
  return pipeline::Pipeline(std::move(stages));
}

}  // namespace amaima::server
