#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/config/config.h"
#include "amaima/core/access.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/limits/budget_ledger.h"
#include "amaima/pipeline/budget_hold.h"
#include "amaima/pipeline/exchange.h"
#include "amaima/pipeline/stages/budget/budget_definitions.h"
#include "amaima/routing/decision.h"
#include "amaima/storage/budget_store.h"

namespace amaima::pipeline {

// A budget's spending crossed 50, 80, 95 or 100 % of its cap (reported once per budget and
// period, by the request whose cost crossed it).
struct BudgetThresholdNotice {
  storage::StoredBudget budget{};
  std::string scope{};  // The ledger scope, "org:acme".
  int threshold_percent{0};
  limits::BudgetSeverity severity{limits::BudgetSeverity::kWarning};
  double spent_usd{0};
  double cap_usd{0};
  std::chrono::system_clock::time_point period_start{};
  std::string request_id{};
  std::string subject{};  // Principal::Subject() of the request.
};

// Where the budget gate reports what budgets did: log lines, metrics and the audit trail,
// implemented in server/. Calls come from the blocking pool and may block.
//
// @par Thread Safety
// Implementations must be thread-safe.
class BudgetEvents {
 public:
  BudgetEvents() = default;
  BudgetEvents(const BudgetEvents&) = delete;
  BudgetEvents& operator=(const BudgetEvents&) = delete;
  BudgetEvents(BudgetEvents&&) = delete;
  BudgetEvents& operator=(BudgetEvents&&) = delete;
  virtual ~BudgetEvents() = default;

  virtual void ThresholdCrossed(const BudgetThresholdNotice& notice) = 0;
  // `budget`'s account after a request charged to it settled.
  virtual void Settled(const storage::StoredBudget& budget, const limits::BudgetStatus& status) = 0;
  // A request was refused: `error` is the BUDGET_EXCEEDED error it is answered with.
  virtual void Rejected(const Error& error) = 0;
  // A request was moved from `from_model` to a cheaper model to fit `budget`.
  virtual void Downgraded(const storage::StoredBudget& budget, const std::string& from_model,
                          const std::string& to_model) = 0;
};

struct BudgetGateOptions {
  // Admin principals are not charged (config budgets.admins_bypass).
  bool admins_bypass{false};
  // Output tokens assumed when a request sets no max_tokens; 0 = the router's
  // expected_output_tokens of the routed level (config budgets.default_max_tokens_estimate).
  std::int64_t default_max_tokens_estimate{0};
  // Memory of this machine: local models that need more are never downgrade targets.
  double device_memory_gb{0};
};

// The budget check of every executed request (DESIGN.md §8): "reserve at admission, reconcile
// after". Admit() finds the budgets that apply to the request's principal (its organisation's,
// its key's and its user's, daily and monthly), estimates the decision's cost (the prompt's
// tokens plus max_tokens, or the configured default, at the chosen model's catalog prices) and
// reserves it against all of them in one ledger step. When a budget cannot admit it, the
// budget's action decides: "downgrade" moves the request to the cheapest model of the
// decision's fallback chain or the catalog that serves it and fits what the budgets have left
// (reason BUDGET_DOWNGRADE; never for a model the client pinned), "reject" — or a downgrade
// with nothing that fits — fails with BUDGET_EXCEEDED. The admitted reservation is a
// BudgetHold in the exchange; the terminal handler settles it with the actual cost, which
// reports threshold crossings through BudgetEvents.
//
// Every ledger and store call runs on the blocking pool (a shared ledger is a network round
// trip), except that an organisation whose budgets are cached and none of which applies costs
// no trip at all.
//
// @par Thread Safety
// Thread-safe. Everything is borrowed and must outlive the gate and every hold it made; the
// pool must be joined before they are destroyed (holds settle on it).
class BudgetGate {
 public:
  BudgetGate(const config::Config& config, BudgetDefinitions& budgets, limits::BudgetLedger& ledger,
             BudgetEvents& events, IdGenerator& ids, boost::asio::thread_pool& pool,
             BudgetGateOptions options);

  // Admits `exchange` (its decision must be set): sets exchange.budget_hold when a budget
  // applies, and rewrites exchange.decision when a budget downgraded it. Errors:
  // kResourceExhausted "BUDGET_EXCEEDED" with details scope, period, cap_usd, spent_usd,
  // reserved_usd, estimated_usd, period_end, budget_id and request_id; the store's when the
  // budgets cannot be read; kCancelled when the request was cancelled. `exchange` must
  // outlive the call (co_await it directly).
  boost::asio::awaitable<Status> Admit(Exchange& exchange) const;

  // Admits a request of `principal` whose model is fixed (embeddings): reserves
  // `estimated_usd`, never downgrades. Returns the hold, or null when no budget applies.
  boost::asio::awaitable<Result<std::unique_ptr<BudgetHold>>> AdmitCost(const Principal& principal,
                                                                        std::string request_id,
                                                                        double estimated_usd) const;

 private:
  // What a request would cost and what it may be moved to.
  struct CostBasis {
    std::string model{};
    double estimated_usd{0};
    bool may_downgrade{false};
    std::vector<std::string> fallback_chain{};
    std::vector<routing::Capability> required_capabilities{};
    std::optional<double> max_cost_usd{};
    std::optional<double> max_latency_ms{};
    std::int64_t input_tokens{0};
    std::int64_t output_tokens{0};  // Asked for, before a model's max_output_tokens.
  };

  // The model a budget moved a request to.
  struct Downgrade {
    std::string model{};
    routing::Estimates estimates{};
    std::vector<std::string> fallback_chain{};
    storage::StoredBudget budget{};  // The budget that could not admit the first model.
    std::string from_model{};
  };

  // A budget a reservation is held against.
  struct Charged {
    limits::BudgetScope scope{};
    storage::StoredBudget budget{};
  };

  struct Admission {
    std::string request_id{};
    std::optional<limits::Reservation> reservation{};  // None when no budget applies.
    std::vector<Charged> charged{};
    std::optional<Downgrade> downgrade{};
  };

  class Hold;
  struct Settlement;

  bool Bypasses(const Principal& principal) const;
  // Whether Admit can answer without a trip to the pool: no budget applies, as cached.
  bool NothingApplies(const Principal& principal) const;
  CostBasis BasisOf(const Exchange& exchange) const;
  // The blocking part of an admission: budgets, estimate, reserve, downgrade.
  Result<Admission> AdmitBlocking(const Principal& principal, const std::string& request_id,
                                  const CostBasis& basis) const;
  std::optional<Downgrade> CheapestFitting(const CostBasis& basis, double headroom_usd) const;
  void ApplyDowngrade(routing::Decision& decision, const Downgrade& downgrade) const;
  std::unique_ptr<BudgetHold> MakeHold(Admission admission, const Principal& principal) const;

  const config::Config& config_;
  BudgetDefinitions& budgets_;
  limits::BudgetLedger& ledger_;
  BudgetEvents& events_;
  IdGenerator& ids_;
  boost::asio::thread_pool& pool_;
  BudgetGateOptions options_;
};

}  // namespace amaima::pipeline
