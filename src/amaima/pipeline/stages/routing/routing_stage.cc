#include "amaima/pipeline/stages/routing/routing_stage.h"

#include "amaima/core/check.h"

namespace amaima::pipeline {

RoutingStage::RoutingStage(const routing::Router& router) : router_(router) {}

boost::asio::awaitable<Result<Verdict>> RoutingStage::OnRequest(Exchange& exchange) {
  exchange.route_request.request_id = exchange.request_id;
  exchange.route_request.org_id = exchange.org_id;
  exchange.route_request.actor = exchange.principal.Subject();
  Result<routing::Decision> decision = router_.Decide(exchange.route_request);
  if (!decision) {
    co_return decision.error();
  }
  exchange.decision = std::move(*decision);
  co_return Verdict::kContinue;
}

RecordingStage::RecordingStage(DecisionRecorder& recorder) : recorder_(recorder) {}

boost::asio::awaitable<Result<Verdict>> RecordingStage::OnRequest(Exchange& exchange) {
  AMAIMA_CHECK(exchange.decision.has_value());  // The routing stage runs first.
  if (!exchange.await_decision_commit) {
    exchange.recorded_decision =
        recorder_.RecordInBackground(*exchange.decision, exchange.route_request.query);
    co_return Verdict::kContinue;
  }
  Result<std::string> recorded =
      co_await recorder_.Record(*exchange.decision, exchange.route_request.query);
  if (!recorded) {
    co_return recorded.error();
  }
  exchange.recorded_decision = std::move(*recorded);
  co_return Verdict::kContinue;
}

}  // namespace amaima::pipeline
