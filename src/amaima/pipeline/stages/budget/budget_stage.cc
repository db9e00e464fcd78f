#include "amaima/pipeline/stages/budget/budget_stage.h"

namespace amaima::pipeline {

BudgetStage::BudgetStage(const BudgetGate& gate) : gate_(gate) {}

boost::asio::awaitable<Result<Verdict>> BudgetStage::OnRequest(Exchange& exchange) {
  if (!exchange.decision.has_value() || exchange.decision->simulated) {
    co_return Verdict::kContinue;
  }
  Status admitted = co_await gate_.Admit(exchange);
  if (!admitted) {
    co_return admitted.error();
  }
  co_return Verdict::kContinue;
}

}  // namespace amaima::pipeline
