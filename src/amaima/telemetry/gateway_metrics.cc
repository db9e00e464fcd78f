#include "amaima/telemetry/gateway_metrics.h"

namespace amaima::telemetry {

std::vector<double> HttpDurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300};
}

std::vector<double> OverheadBuckets() {
  return {1e-5,   2.5e-5, 5e-5,   7.5e-5, 1e-4,  2.5e-4, 5e-4,  7.5e-4, 1e-3,
          2.5e-3, 5e-3,   7.5e-3, 0.01,   0.025, 0.05,   0.075, 0.1};
}

std::vector<double> ProviderDurationBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300};
}

GatewayMetrics::GatewayMetrics(Registry& registry, std::string_view version)
    : http_requests(registry.AddCounter("amaima_http_requests_total",
                                        "HTTP requests completed, by route, method and status.",
                                        {"route", "method", "status"})),
      http_request_duration(registry.AddHistogram(
          "amaima_http_request_duration_seconds",
          "HTTP request duration from first byte read to last byte written, in seconds.",
          {"route", "method"}, HttpDurationBuckets())),
      http_requests_in_flight(registry
                                  .AddGauge("amaima_http_requests_in_flight",
                                            "HTTP requests read and not yet completed.")
                                  .With({})),
      gateway_overhead(registry.AddHistogram(
          "amaima_gateway_overhead_seconds",
          "Time the gateway adds to a request (total minus provider wait), in seconds.",
          {"surface"}, OverheadBuckets())),
      provider_request_duration(
          registry.AddHistogram("amaima_provider_request_duration_seconds",
                                "Duration of one upstream provider call, in seconds.",
                                {"provider", "model"}, ProviderDurationBuckets())),
      provider_errors(registry.AddCounter("amaima_provider_errors_total",
                                          "Failed upstream provider calls, by reason.",
                                          {"provider", "model", "reason"})),
      routing_decisions(registry.AddCounter("amaima_routing_decisions_total",
                                            "Routing decisions, by complexity level and model.",
                                            {"level", "model"})),
      tokens(registry.AddCounter("amaima_tokens_total",
                                 "Tokens billed, by model and direction (input or output).",
                                 {"model", "direction"})),
      cost_usd(registry.AddCounter("amaima_cost_usd_total", "Actual cost in US dollars, by model.",
                                   {"model"})),
      provider_circuit_state(registry.AddGauge(
          "amaima_provider_circuit_state",
          "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.", {"provider"})),
      budget_utilisation(registry.AddGauge("amaima_budget_utilisation_ratio",
                                           "Budget spend over limit (1 = exhausted).",
                                           {"scope", "period"})),
      budget_events(registry.AddCounter(
          "amaima_budget_events_total",
          "Budget thresholds crossed (50/80/95/100 % of a cap in a period), by severity.",
          {"severity"})),
      budget_rejections(registry
                            .AddCounter("amaima_budget_rejections_total",
                                        "Requests refused because a budget could not admit them.")
                            .With({})),
      budget_downgrades(registry
                            .AddCounter("amaima_budget_downgrades_total",
                                        "Requests moved to a cheaper model by a budget.")
                            .With({})),
      decision_writer_queue_depth(
          registry.AddGauge("amaima_decision_writer_queue_depth",
                            "Decisions accepted and not yet handed to the store.")),
      decision_writer_batches(registry.AddCounter(
          "amaima_decision_writer_batches_total",
          "Decision store transactions, by outcome (written or failed).", {"outcome"})),
      unexpected_exceptions(registry
                                .AddCounter("amaima_unexpected_exceptions_total",
                                            "Exceptions caught by a top-level catch-all.")
                                .With({})),
      build_info(
          registry.AddGauge("amaima_build_info", "Build information; always 1.", {"version"})) {
  build_info.With({version}).Set(1);
}

}  // namespace amaima::telemetry
