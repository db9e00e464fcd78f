#pragma once

#include <string_view>

#include "amaima/pipeline/decision_recorder.h"
#include "amaima/pipeline/stage.h"
#include "amaima/routing/router.h"

namespace amaima::pipeline {

// Decides: features → level → policy → exchange.decision. Stages after it may still revise
// the decision (the budget stage downgrades the model) until RecordingStage records it.
// Stateless; the router is borrowed and must outlive the stage.
class RoutingStage final : public Stage {
 public:
  explicit RoutingStage(const routing::Router& router);

  std::string_view name() const override { return "routing"; }

  boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& exchange) override;

 private:
  const routing::Router& router_;
};

// Records exchange.decision, as the stages before it left it: durably before the request goes
// on when exchange.await_decision_commit (a decision the client sees survives a crash), else
// queued to be written alongside the upstream call. Stateless; the recorder is borrowed and
// must outlive the stage.
class RecordingStage final : public Stage {
 public:
  explicit RecordingStage(DecisionRecorder& recorder);

  std::string_view name() const override { return "recording"; }

  boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& exchange) override;

 private:
  DecisionRecorder& recorder_;
};

}  // namespace amaima::pipeline
