#pragma once

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/pipeline/pipeline.h"
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

// The native v1 surface: /v1/simulate, /v1/query, /v1/execute, /v1/decisions,
// health. Translates wire formats to domain types and back; no logic of its own
// beyond that.
//
// @par Thread Safety
// Handlers may run concurrently on any I/O thread. Everything is borrowed and must
// outlive the API object; blocking store calls run on `blocking_pool`.
class V1Api {
 public:
  V1Api(const pipeline::Pipeline& pipeline, storage::DecisionStore& store,
        boost::asio::thread_pool& blocking_pool, const Clock& clock, ServiceInfo info);

  // Adds every route of this surface to `routes`. `this` must outlive `routes`' use.
  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> Simulate(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Query(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Execute(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> GetDecision(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListDecisions(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Live(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Ready(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Health(http::HttpRequest& request);

 private:
  // Parses the body, runs the pipeline; returns the exchange or the error response.
  boost::asio::awaitable<Result<pipeline::Exchange>> Decide(http::HttpRequest& request);

  const pipeline::Pipeline& pipeline_;
  storage::DecisionStore& store_;
  boost::asio::thread_pool& blocking_pool_;
  const Clock& clock_;
  ServiceInfo info_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::system_clock::time_point started_wall_;
};

}  // namespace amaima::api
