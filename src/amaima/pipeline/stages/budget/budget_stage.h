#pragma once

#include <string_view>

#include "amaima/pipeline/stage.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"

namespace amaima::pipeline {

// Charges every request that will be executed to the budgets that apply to it (BudgetGate),
// between the routing decision and its recording, so that a downgrade is part of the decision
// as recorded. Decisions that are only simulated (nothing is spent) pass untouched. Stateless;
// the gate is borrowed and must outlive the stage.
class BudgetStage final : public Stage {
 public:
  explicit BudgetStage(const BudgetGate& gate);

  std::string_view name() const override { return "budget"; }

  boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& exchange) override;

 private:
  const BudgetGate& gate_;
};

}  // namespace amaima::pipeline
