#pragma once

#include <string_view>

#include "amaima/pipeline/decision_recorder.h"
#include "amaima/pipeline/stage.h"
#include "amaima/routing/router.h"

namespace amaima::pipeline {

// Decides (features → level → policy → Decision) and records the decision
// durably before the request goes on, so that a decision the client sees
// survives a crash. Stateless; the router and recorder are borrowed and must
// outlive the stage.
class RoutingStage final : public Stage {
 public:
  RoutingStage(const routing::Router& router, DecisionRecorder& recorder);

  std::string_view name() const override { return "routing"; }

  boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& exchange) override;

 private:
  const routing::Router& router_;
  DecisionRecorder& recorder_;
};

}  // namespace amaima::pipeline
