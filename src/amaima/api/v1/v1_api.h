#pragma once

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/pipeline/pipeline.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"
#include "amaima/routing/device_profile.h"
#include "amaima/storage/decision_store.h"

namespace amaima::api {

// What GET /v1/health reports besides the live state.
struct ServiceInfo {
  std::string version{};
  std::string router_model_version{};
  std::string policy_version{};
  std::string pricing_version{};
  config::ExecutionMode execution_mode{config::ExecutionMode::kDecisionOnly};
  routing::DeviceProfile device{};
};

// What executing needs; both null in decision-only mode.
struct V1Execution {
  const pipeline::ExecutionHandler* handler{nullptr};
  // Hashes a query as decisions store it, so /v1/execute can check the query it is given.
  const routing::Router* router{nullptr};
  // Charges /v1/execute to the caller's budgets (the pipeline's budget stage does it for
  // /v1/query); null when budgets are off.
  const pipeline::BudgetGate* budget{nullptr};
};

// The native v1 surface: /v1/simulate, /v1/query, /v1/execute, /v1/decisions,
// /v1/feedback, health. Translates wire formats to domain types and back; no logic of its own
// beyond that.
//
// @par Thread Safety
// Handlers may run concurrently on any I/O thread. Everything is borrowed and must
// outlive the API object; blocking store calls run on `blocking_pool`.
class V1Api {
 public:
  V1Api(const pipeline::Pipeline& pipeline, storage::DecisionStore& store,
        boost::asio::thread_pool& blocking_pool, const Clock& clock, ServiceInfo info,
        V1Execution execution = {});

  // Adds every route of this surface to `routes`. `this` must outlive `routes`' use.
  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> Simulate(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Query(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Execute(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> GetDecision(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListExecutions(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListDecisions(http::HttpRequest& request);
  // POST /v1/feedback: stores a corrected level and/or a rating of a decision; 201 with the
  // stored feedback, 404 QUERY_DECISION_NOT_FOUND for an unknown decision.
  boost::asio::awaitable<http::HttpResponse> PostFeedback(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Live(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Ready(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Health(http::HttpRequest& request);

 private:
  struct Decided {
    pipeline::Exchange exchange{};
    bool stream{false};
    bool has_messages{false};
  };

  // Parses the body, runs the pipeline; returns the exchange or the error.
  boost::asio::awaitable<Result<Decided>> Decide(http::HttpRequest& request, bool simulate_only);

  // Charges an executed decision to its caller's budgets (nothing when budgets are off);
  // `exchange` must outlive the call.
  boost::asio::awaitable<Status> ChargeBudget(pipeline::Exchange& exchange) const;

  // Executes a decided exchange: JSON, or server-sent events when `stream`. `chat` is what to
  // send upstream; `recorded_decision` the decision's wire form.
  boost::asio::awaitable<http::HttpResponse> Run(pipeline::Exchange& exchange,
                                                 std::string_view recorded_decision,
                                                 providers::ChatRequest chat, bool stream,
                                                 std::string_view surface,
                                                 const std::string& request_id);

  const pipeline::Pipeline& pipeline_;
  storage::DecisionStore& store_;
  boost::asio::thread_pool& blocking_pool_;
  const Clock& clock_;
  ServiceInfo info_;
  V1Execution execution_;
  IdGenerator feedback_ids_;  // UUIDv7 ids of the feedback rows this API stores.
  std::chrono::steady_clock::time_point started_;
  std::chrono::system_clock::time_point started_wall_;
};

}  // namespace amaima::api
