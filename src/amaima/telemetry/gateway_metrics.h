#pragma once

#include <string_view>
#include <vector>

#include "amaima/telemetry/metrics.h"

namespace amaima::telemetry {

// Values of amaima_provider_circuit_state (the providers layer maps its BreakerState).
inline constexpr double kCircuitClosed = 0;
inline constexpr double kCircuitHalfOpen = 1;
inline constexpr double kCircuitOpen = 2;

// Bucket upper bounds (seconds) of the histograms below.
std::vector<double> HttpDurationBuckets();      // 5 ms .. 5 min: whole requests, streams included.
std::vector<double> OverheadBuckets();          // 10 µs .. 100 ms, four per decade.
std::vector<double> ProviderDurationBuckets();  // 10 ms .. 5 min: one upstream call.

// Every AMAIMA metric family, named `amaima_<layer>_<thing>_<unit>` (DESIGN.md §10),
// registered on one Registry. Built once by the composition root, which hands the
// relevant members to the stages, the HTTP server and the executor; they look up the
// series they need with With() (caching it where the labels are fixed) and record.
//
// Callback families (circuit state, decision writer) are wired by the composition root,
// which knows the objects that own the values: it calls SetCallback once per breaker or
// writer, and those objects must outlive the last Serialize() of the registry.
//
// @par Thread Safety
// Immutable after construction; the families are thread-safe.
//
// @par Ownership and lifetimes
// Holds references into `registry`, which must outlive this struct.
struct GatewayMetrics {
  // `version` labels amaima_build_info.
  GatewayMetrics(Registry& registry, std::string_view version);

  // amaima_http_requests_total{route,method,status}: finished HTTP requests. `route` is the
  // matched route pattern (never the raw path, to bound cardinality), `status` the numeric
  // HTTP status sent ("200", "429").
  CounterFamily& http_requests;
  // amaima_http_request_duration_seconds{route,method}: from the request's first byte read
  // to its last byte written (a stream's whole life).
  HistogramFamily& http_request_duration;
  // amaima_http_requests_in_flight: requests read and not yet completed.
  Gauge& http_requests_in_flight;
  // amaima_gateway_overhead_seconds{surface}: time AMAIMA adds (the request's total minus
  // the time spent waiting on the provider), by API surface ("openai", "v1"). The same
  // number as the x-amaima-overhead-ms header, in seconds.
  HistogramFamily& gateway_overhead;
  // amaima_provider_request_duration_seconds{provider,model}: one upstream call, from send
  // to the last byte of its response, retries counted separately.
  HistogramFamily& provider_request_duration;
  // amaima_provider_errors_total{provider,model,reason}: failed upstream calls; `reason` is a
  // short fixed word ("timeout", "status_5xx", "status_429", "connect", "circuit_open").
  CounterFamily& provider_errors;
  // amaima_routing_decisions_total{level,model}: routing decisions by complexity level
  // ("1".."5") and the model chosen.
  CounterFamily& routing_decisions;
  // amaima_tokens_total{model,direction}: tokens billed, `direction` "input" or "output".
  CounterFamily& tokens;
  // amaima_cost_usd_total{model}: actual cost in US dollars (fractional; Counter::Add).
  CounterFamily& cost_usd;
  // amaima_provider_circuit_state{provider}: 0 closed, 1 half-open, 2 open (kCircuit*);
  // one callback per breaker, read at scrape time.
  GaugeFamily& provider_circuit_state;
  // amaima_budget_utilisation_ratio{scope,period}: spend over limit (1 = exhausted) of a
  // budget, e.g. scope "org:acme", period "daily" or "monthly". Set after each request charged
  // to it settles.
  GaugeFamily& budget_utilisation;
  // amaima_budget_events_total{severity}: budgets crossing 50 / 80 / 95 / 100 % of their cap
  // in a period, severity "warning", "alert", "critical" or "exhausted".
  CounterFamily& budget_events;
  // amaima_budget_rejections_total: requests refused with 402 BUDGET_EXCEEDED.
  Counter& budget_rejections;
  // amaima_budget_downgrades_total: requests moved to a cheaper model by a budget.
  Counter& budget_downgrades;
  // amaima_decision_writer_queue_depth: decisions accepted and not yet handed to the store
  // (callback on the writer's counters).
  GaugeFamily& decision_writer_queue_depth;
  // amaima_decision_writer_batches_total{outcome}: decision-store transactions, `outcome`
  // "written" or "failed" (callbacks on the writer's counters; a counter, as it only grows).
  CounterFamily& decision_writer_batches;
  // amaima_unexpected_exceptions_total: exceptions caught by a top-level catch-all (a bug).
  Counter& unexpected_exceptions;
  // amaima_build_info{version}: always 1; the version as a label.
  GaugeFamily& build_info;
};

}  // namespace amaima::telemetry
