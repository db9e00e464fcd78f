#include "amaima/pipeline/stages/budget/budget_gate.h"

#include <algorithm>
#include <utility>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include "amaima/core/check.h"
#include "amaima/core/run_blocking.h"
#include "amaima/routing/features.h"
#include "amaima/routing/level.h"
#include "amaima/routing/policy.h"

namespace amaima::pipeline {
namespace {

namespace net = boost::asio;

constexpr std::size_t kDowngradeFallbacks = 3;

bool HasCapability(const config::ModelConfig& model, std::string_view capability) {
  return std::find(model.capabilities.begin(), model.capabilities.end(), capability)
         != model.capabilities.end();
}

std::string_view Detail(const Error& error, std::string_view key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return {};
}

// Whether the coroutine awaiting this was cancelled (a client that went away): it must then
// start no further asynchronous operation, which would throw.
net::awaitable<bool> Cancelled() {
  const net::cancellation_state state = co_await net::this_coro::cancellation_state;
  co_return state.cancelled() != net::cancellation_type::none;
}

}  // namespace

// Settles one reservation on the blocking pool: reconciles (or releases) it and reports what
// that did. Owns copies of everything it needs, so the hold that started it may be gone.
struct BudgetGate::Settlement {
  limits::BudgetLedger* ledger{nullptr};
  BudgetEvents* events{nullptr};
  limits::Reservation reservation{};
  std::vector<Charged> charged{};
  std::string request_id{};
  std::string subject{};
  std::optional<double> actual_usd{};  // None: release, charging nothing.

  bool operator()() const {
    if (!actual_usd.has_value()) {
      ledger->Release(reservation);
      return true;
    }
    const limits::ReconcileResult result = ledger->Reconcile(reservation, *actual_usd);
    if (!result.settled) {
      return false;
    }
    for (const limits::BudgetThresholdEvent& event : result.events) {
      for (const Charged& entry : charged) {
        if (entry.scope.id != event.scope_id || entry.scope.period != event.period) {
          continue;
        }
        BudgetThresholdNotice notice;
        notice.budget = entry.budget;
        notice.scope = event.scope_id;
        notice.threshold_percent = event.threshold_percent;
        notice.severity = event.severity;
        notice.spent_usd = event.spent_usd;
        notice.cap_usd = event.cap_usd;
        notice.period_start = event.period_start;
        notice.request_id = request_id;
        notice.subject = subject;
        events->ThresholdCrossed(notice);
      }
    }
    for (const Charged& entry : charged) {
      events->Settled(entry.budget, ledger->Status(entry.scope));
    }
    return true;
  }
};

// The reservation of one admitted request. Settles on the pool; released there when destroyed
// unsettled.
class BudgetGate::Hold final : public BudgetHold {
 public:
  Hold(net::thread_pool& pool, Settlement settlement)
      : pool_(pool), settlement_(std::move(settlement)) {}

  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  Hold(Hold&&) = delete;
  Hold& operator=(Hold&&) = delete;

  // Posting allocates: out of memory here terminates, which beats leaking the reservation.
  ~Hold() override {  // NOLINT(bugprone-exception-escape)
    if (!settled_) {
      // Destructors cannot wait: the release runs on the pool, which is joined before the
      // ledger goes away.
      net::post(pool_, std::move(settlement_));
    }
  }

  net::awaitable<void> Settle(double actual_usd) override {
    if (settled_) {
      co_return;
    }
    settled_ = true;
    Settlement settlement = std::move(settlement_);
    settlement.actual_usd = actual_usd;
    const bool cancelled = co_await Cancelled();
    if (cancelled) {
      net::post(pool_, std::move(settlement));
      co_return;
    }
    const bool settled = co_await RunBlocking(pool_, std::move(settlement));
    static_cast<void>(settled);  // False only when the ledger no longer held it: nothing to do.
  }

  void SettleDetached(double actual_usd) override {
    if (settled_) {
      return;
    }
    settled_ = true;
    Settlement settlement = std::move(settlement_);
    settlement.actual_usd = actual_usd;
    net::post(pool_, std::move(settlement));
  }

 private:
  net::thread_pool& pool_;
  Settlement settlement_;
  bool settled_{false};
};

BudgetGate::BudgetGate(const config::Config& config, BudgetDefinitions& budgets,
                       limits::BudgetLedger& ledger, BudgetEvents& events, IdGenerator& ids,
                       net::thread_pool& pool, BudgetGateOptions options)
    : config_(config),
      budgets_(budgets),
      ledger_(ledger),
      events_(events),
      ids_(ids),
      pool_(pool),
      options_(options) {}

bool BudgetGate::Bypasses(const Principal& principal) const {
  return options_.admins_bypass && principal.authenticated && principal.role == Role::kAdmin;
}

bool BudgetGate::NothingApplies(const Principal& principal) const {
  const std::optional<BudgetList> cached = budgets_.Cached(principal.Org());
  return cached.has_value() && BudgetsFor(**cached, principal).empty();
}

BudgetGate::CostBasis BudgetGate::BasisOf(const Exchange& exchange) const {
  const routing::Decision& decision = *exchange.decision;
  const routing::RouteRequest& request = exchange.route_request;
  CostBasis basis;
  basis.model = decision.route.model;
  basis.fallback_chain = decision.route.fallback_chain;
  basis.may_downgrade =
      decision.constraints.pinned_model.empty() && request.constraints.pinned_model.empty();
  basis.required_capabilities = request.constraints.required_capabilities;
  basis.max_cost_usd = request.constraints.max_cost_usd;
  basis.max_latency_ms = request.constraints.max_latency_ms;
  basis.input_tokens = decision.estimates.input_tokens > 0 ? decision.estimates.input_tokens
                       : request.input_tokens > 0          ? request.input_tokens
                                                           : routing::EstimateTokens(request.query);
  const std::optional<std::int64_t> max_tokens = request.constraints.max_tokens
                                                     ? request.constraints.max_tokens
                                                     : decision.constraints.max_tokens;
  if (max_tokens.has_value()) {
    basis.output_tokens = *max_tokens;
  } else if (options_.default_max_tokens_estimate > 0) {
    basis.output_tokens = options_.default_max_tokens_estimate;
  } else {
    const auto expected = config_.router.expected_output_tokens.find(
        std::string(routing::LevelName(decision.route.routed_level)));
    basis.output_tokens =
        expected != config_.router.expected_output_tokens.end() ? expected->second : 0;
  }
  const auto model = config_.models.find(basis.model);
  basis.estimated_usd =
      model == config_.models.end()
          ? 0.0
          : routing::EstimateOn(model->second, basis.input_tokens, basis.output_tokens).cost_usd;
  return basis;
}

std::optional<BudgetGate::Downgrade> BudgetGate::CheapestFitting(const CostBasis& basis,
                                                                 double headroom_usd) const {
  struct Fit {
    std::string name{};
    routing::Estimates estimates{};
    std::size_t rank{0};  // The fallback chain first, then the catalog by name.
  };

  const bool wants_embeddings =
      std::find(basis.required_capabilities.begin(), basis.required_capabilities.end(),
                routing::Capability::kEmbeddings)
      != basis.required_capabilities.end();
  std::vector<std::string> names = basis.fallback_chain;
  for (const auto& [name, model] : config_.models) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  std::vector<Fit> fits;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto found = config_.models.find(names[i]);
    if (found == config_.models.end() || names[i] == basis.model) {
      continue;
    }
    const config::ModelConfig& model = found->second;
    bool serves = wants_embeddings || HasCapability(model, "chat");
    for (const routing::Capability capability : basis.required_capabilities) {
      serves = serves && HasCapability(model, routing::CapabilityName(capability));
    }
    if (model.local && model.min_memory_gb > options_.device_memory_gb) {
      serves = false;
    }
    const routing::Estimates estimates =
        routing::EstimateOn(model, basis.input_tokens, basis.output_tokens);
    const bool fits_request =
        estimates.input_tokens + estimates.output_tokens <= model.context_window
        && (!basis.max_cost_usd || estimates.cost_usd <= *basis.max_cost_usd)
        && (!basis.max_latency_ms || estimates.latency_ms <= *basis.max_latency_ms);
    if (serves && fits_request && estimates.cost_usd < basis.estimated_usd
        && estimates.cost_usd <= headroom_usd) {
      fits.push_back(Fit{names[i], estimates, i});
    }
  }
  if (fits.empty()) {
    return std::nullopt;
  }
  std::stable_sort(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) {
    return a.estimates.cost_usd != b.estimates.cost_usd
               ? a.estimates.cost_usd < b.estimates.cost_usd
               : a.rank < b.rank;
  });
  Downgrade downgrade;
  downgrade.model = fits.front().name;
  downgrade.estimates = fits.front().estimates;
  for (std::size_t i = 1; i < fits.size() && downgrade.fallback_chain.size() < kDowngradeFallbacks;
       ++i) {
    downgrade.fallback_chain.push_back(fits[i].name);
  }
  downgrade.from_model = basis.model;
  return downgrade;
}

Result<BudgetGate::Admission> BudgetGate::AdmitBlocking(const Principal& principal,
                                                        const std::string& request_id,
                                                        const CostBasis& basis) const {
  Result<BudgetList> defined = budgets_.ForOrg(principal.Org());
  if (!defined) {
    return defined.error();
  }
  Admission admission;
  admission.request_id = request_id;
  std::vector<storage::StoredBudget> applying = BudgetsFor(**defined, principal);
  std::vector<limits::BudgetScope> scopes;
  for (storage::StoredBudget& budget : applying) {
    scopes.push_back(LedgerScope(budget));
    admission.charged.push_back(Charged{scopes.back(), std::move(budget)});
  }
  if (scopes.empty()) {
    return admission;
  }
  // Reservations are named by an id of their own: client request ids may repeat.
  const std::string reservation_id = ids_.NewId();
  Result<limits::Reservation> reserved =
      ledger_.Reserve(scopes, basis.estimated_usd, reservation_id);
  if (reserved) {
    admission.reservation = std::move(*reserved);
    return admission;
  }
  Error error = std::move(reserved.error());
  if (error.reason != "BUDGET_EXCEEDED") {
    return error;
  }
  const Charged* refusing = nullptr;
  for (const Charged& entry : admission.charged) {
    if (entry.scope.id == Detail(error, "scope")
        && limits::BudgetPeriodName(entry.scope.period) == Detail(error, "period")) {
      refusing = &entry;
    }
  }
  if (refusing != nullptr && refusing->budget.action == storage::kBudgetActionDowngrade
      && basis.may_downgrade) {
    if (std::optional<Downgrade> cheaper = CheapestFitting(basis, ledger_.Headroom(scopes))) {
      cheaper->budget = refusing->budget;
      Result<limits::Reservation> retried =
          ledger_.Reserve(scopes, cheaper->estimates.cost_usd, reservation_id);
      if (retried) {
        events_.Downgraded(refusing->budget, cheaper->from_model, cheaper->model);
        admission.reservation = std::move(*retried);
        admission.downgrade = std::move(cheaper);
        return admission;
      }
    }
  }
  if (refusing != nullptr) {
    error.details.emplace_back("budget_id", refusing->budget.budget_id);
    error.details.emplace_back("action", refusing->budget.action);
  }
  error.details.emplace_back("request_id", request_id);
  events_.Rejected(error);
  return error;
}

void BudgetGate::ApplyDowngrade(routing::Decision& decision, const Downgrade& downgrade) const {
  const config::ModelConfig& model = config_.models.at(downgrade.model);
  decision.route.model = downgrade.model;
  decision.route.provider = model.provider;
  decision.route.upstream_model = model.upstream_model;
  decision.route.fallback_chain = downgrade.fallback_chain;
  decision.route.reason_codes.push_back(routing::ReasonCode::kBudgetDowngrade);
  decision.estimates = downgrade.estimates;
  decision.explanation += " Downgraded from " + downgrade.from_model + " to " + downgrade.model
                          + ": the " + downgrade.budget.period + " budget of "
                          + downgrade.budget.scope_type + ":" + downgrade.budget.scope_id
                          + " could not admit it (BUDGET_DOWNGRADE).";
}

std::unique_ptr<BudgetHold> BudgetGate::MakeHold(Admission admission,
                                                 const Principal& principal) const {
  Settlement settlement;
  settlement.ledger = &ledger_;
  settlement.events = &events_;
  settlement.reservation = std::move(*admission.reservation);
  settlement.charged = std::move(admission.charged);
  settlement.request_id = std::move(admission.request_id);
  settlement.subject = principal.Subject();
  return std::make_unique<Hold>(pool_, std::move(settlement));
}

net::awaitable<Status> BudgetGate::Admit(Exchange& exchange) const {
  AMAIMA_CHECK(exchange.decision.has_value());  // The routing stage runs first.
  if (Bypasses(exchange.principal) || NothingApplies(exchange.principal)) {
    co_return Status{};
  }
  const bool cancelled = co_await Cancelled();
  if (cancelled) {
    co_return Fail(ErrorCode::kCancelled, "the request was cancelled before its budget check");
  }
  auto admit = [this, principal = exchange.principal, request_id = exchange.request_id,
                basis = BasisOf(exchange)] {
    return AdmitBlocking(principal, request_id, basis);
  };
  Result<Admission> admitted = co_await RunBlocking(pool_, std::move(admit));
  if (!admitted) {
    co_return admitted.error();
  }
  if (admitted->downgrade.has_value()) {
    ApplyDowngrade(*exchange.decision, *admitted->downgrade);
  }
  if (admitted->reservation.has_value()) {
    std::unique_ptr<BudgetHold> hold = MakeHold(std::move(*admitted), exchange.principal);
    exchange.budget_hold = std::move(hold);
  }
  co_return Status{};
}

net::awaitable<Result<std::unique_ptr<BudgetHold>>> BudgetGate::AdmitCost(
    const Principal& principal, std::string request_id, double estimated_usd) const {
  if (Bypasses(principal) || NothingApplies(principal)) {
    co_return std::unique_ptr<BudgetHold>();
  }
  const bool cancelled = co_await Cancelled();
  if (cancelled) {
    co_return Fail(ErrorCode::kCancelled, "the request was cancelled before its budget check");
  }
  CostBasis basis;
  basis.estimated_usd = estimated_usd;
  auto admit = [this, principal, request_id, basis] {
    return AdmitBlocking(principal, request_id, basis);
  };
  Result<Admission> admitted = co_await RunBlocking(pool_, std::move(admit));
  if (!admitted) {
    co_return admitted.error();
  }
  if (!admitted->reservation.has_value()) {
    co_return std::unique_ptr<BudgetHold>();
  }
  co_return MakeHold(std::move(*admitted), principal);
}

}  // namespace amaima::pipeline
