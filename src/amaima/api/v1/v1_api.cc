#include "amaima/api/v1/v1_api.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/core/ids.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/error_mapping.h"
#include "amaima/routing/decision.h"

namespace amaima::api {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kSimulationOutput = "Simulation only - no execution.";
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 500;
constexpr std::string_view kDefaultOrg = "default";

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A JSON body must be declared as JSON (or not declared at all).
Status CheckJsonContentType(const HttpRequest& request) {
  const auto type = request.Header("content-type");
  if (!type) {
    return {};
  }
  std::string media(type->substr(0, type->find(';')));
  while (!media.empty() && media.back() == ' ') {
    media.pop_back();
  }
  for (char& c : media) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const bool json = media == "application/json"
                    || (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
  if (!json) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_UNSUPPORTED_MEDIA_TYPE",
                "Content-Type must be application/json, got '" + std::string(*type) + "'")
        .With("content_type", std::string(*type));
  }
  return {};
}

Error DecisionNotFound(std::string_view id) {
  return Fail(ErrorCode::kNotFound, "QUERY_DECISION_NOT_FOUND",
              "no decision with id '" + std::string(id) + "'")
      .With("decision_id", std::string(id));
}

}  // namespace

V1Api::V1Api(const pipeline::Pipeline& pipeline, storage::DecisionStore& store,
             boost::asio::thread_pool& blocking_pool, const Clock& clock, ServiceInfo info)
    : pipeline_(pipeline),
      store_(store),
      blocking_pool_(blocking_pool),
      clock_(clock),
      info_(std::move(info)),
      started_(clock.Monotonic()),
      started_wall_(clock.Now()) {}

void V1Api::Register(http::RouteTable& routes) {
  // The handlers are plain lambdas returning the member coroutine's awaitable
  // (not coroutine lambdas): `this` outlives the route table's use.
  routes.Add("POST", "/v1/simulate", [this](HttpRequest& r) { return Simulate(r); });
  routes.Add("POST", "/v1/query", [this](HttpRequest& r) { return Query(r); });
  routes.Add("POST", "/v1/execute", [this](HttpRequest& r) { return Execute(r); });
  routes.Add("GET", "/v1/decisions/{id}", [this](HttpRequest& r) { return GetDecision(r); });
  routes.Add("GET", "/v1/decisions", [this](HttpRequest& r) { return ListDecisions(r); });
  routes.Add("GET", "/health/live", [this](HttpRequest& r) { return Live(r); });
  routes.Add("GET", "/health/ready", [this](HttpRequest& r) { return Ready(r); });
  routes.Add("GET", "/v1/health", [this](HttpRequest& r) { return Health(r); });
}

boost::asio::awaitable<Result<pipeline::Exchange>> V1Api::Decide(HttpRequest& request) {
  if (Status type = CheckJsonContentType(request); !type) {
    co_return type.error();
  }
  Result<QueryRequest> parsed = ParseQueryRequest(request.body);
  if (!parsed) {
    co_return parsed.error();
  }
  pipeline::Exchange exchange;
  exchange.request_id = request.request_id;
  exchange.org_id = std::string(kDefaultOrg);
  exchange.started = clock_.Monotonic();
  exchange.route_request = std::move(parsed->route);
  exchange.route_request.execution_mode = info_.execution_mode;
  Status status = co_await pipeline_.Run(exchange);
  if (!status) {
    co_return status.error();
  }
  co_return exchange;
}

boost::asio::awaitable<HttpResponse> V1Api::Simulate(HttpRequest& request) {
  Result<pipeline::Exchange> exchange = co_await Decide(request);
  if (!exchange) {
    co_return http::ErrorResponse(exchange.error(), request.request_id);
  }
  HttpResponse response = JsonResponse(200, std::move(exchange->recorded_decision));
  response.headers.emplace_back("x-amaima-decision-id", exchange->decision->decision_id);
  co_return response;
}

boost::asio::awaitable<HttpResponse> V1Api::Query(HttpRequest& request) {
  Result<pipeline::Exchange> exchange = co_await Decide(request);
  if (!exchange) {
    co_return http::ErrorResponse(exchange.error(), request.request_id);
  }
  // Decision-only (the only mode this build serves, see server/): the decision
  // plus the simulation marker. The decision JSON is spliced in as recorded.
  std::string body;
  body.reserve(exchange->recorded_decision.size() + 160);
  body += R"({"decision":)";
  body += exchange->recorded_decision;
  body += R"(,"simulated":true,"output":")";
  body += kSimulationOutput;
  body += R"(","actual_cost_usd":null,"actual_latency_ms":null})";
  HttpResponse response = JsonResponse(200, std::move(body));
  response.headers.emplace_back("x-amaima-decision-id", exchange->decision->decision_id);
  co_return response;
}

boost::asio::awaitable<HttpResponse> V1Api::Execute(HttpRequest& request) {
  if (Status type = CheckJsonContentType(request); !type) {
    co_return http::ErrorResponse(type.error(), request.request_id);
  }
  Result<std::string> id = ParseExecuteRequest(request.body);
  if (!id) {
    co_return http::ErrorResponse(id.error(), request.request_id);
  }
  storage::DecisionStore& store = store_;
  const std::string decision_id = *id;
  // Lambdas are named locals: GCC 12 miscompiles a capturing lambda inside a
  // co_await expression (CONVENTIONS §2.5).
  auto get = [&store, decision_id] {
    return store.Get(decision_id);
  };
  Result<storage::StoredDecision> stored = co_await RunBlocking(blocking_pool_, get);
  if (!stored) {
    co_return http::ErrorResponse(stored.error().code == ErrorCode::kNotFound
                                      ? DecisionNotFound(decision_id)
                                      : stored.error(),
                                  request.request_id);
  }
  // Decision-only: executing is switched off; the client keeps the decision id to
  // retry once execution is enabled.
  co_return http::ErrorResponse(
      Fail(ErrorCode::kUnavailable, "SYSTEM_EXECUTION_DISABLED",
           "execution is disabled (execution_mode: decision-only); the decision was not executed")
          .With("decision_id", decision_id)
          .With("execution_mode", config::ExecutionModeName(info_.execution_mode)),
      request.request_id);
}

boost::asio::awaitable<HttpResponse> V1Api::GetDecision(HttpRequest& request) {
  const std::string id(request.PathParam("id"));
  if (!IsUuid(id)) {
    co_return http::ErrorResponse(
        Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE", "decision id must be a UUID")
            .With("field", "id"),
        request.request_id);
  }
  storage::DecisionStore& store = store_;
  auto get = [&store, id] {
    return store.Get(id);
  };
  Result<storage::StoredDecision> stored = co_await RunBlocking(blocking_pool_, get);
  if (!stored) {
    co_return http::ErrorResponse(
        stored.error().code == ErrorCode::kNotFound ? DecisionNotFound(id) : stored.error(),
        request.request_id);
  }
  co_return JsonResponse(200, std::move(stored->body_json));
}

boost::asio::awaitable<HttpResponse> V1Api::ListDecisions(HttpRequest& request) {
  int limit = kDefaultPageSize;
  if (const auto text = request.QueryParam("limit")) {
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);  // NOLINT(google-runtime-int)
    if (text->empty() || end != text->c_str() + text->size() || value < 1 || value > kMaxPageSize) {
      co_return http::ErrorResponse(
          Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
               "limit must be an integer from 1 to " + std::to_string(kMaxPageSize))
              .With("field", "limit"),
          request.request_id);
    }
    limit = static_cast<int>(value);
  }
  storage::DecisionFilter filter;
  if (const auto level = request.QueryParam("level")) {
    if (!routing::ParseLevel(*level)) {
      co_return http::ErrorResponse(Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                                         "level must be one of TRIVIAL, SIMPLE, MODERATE, "
                                         "COMPLEX, EXPERT")
                                        .With("field", "level"),
                                    request.request_id);
    }
    filter.level = *level;
  }
  if (const auto model = request.QueryParam("model")) {
    filter.model = *model;
  }
  const std::string cursor = request.QueryParam("cursor").value_or("");
  storage::DecisionStore& store = store_;
  auto list = [&store, filter, limit, cursor] {
    return store.List(filter, limit, cursor);
  };
  Result<storage::DecisionPage> page = co_await RunBlocking(blocking_pool_, list);
  if (!page) {
    co_return http::ErrorResponse(page.error(), request.request_id);
  }
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < page->items.size(); ++i) {
    if (i > 0) {
      body += ',';
    }
    body += page->items[i].body_json;
  }
  body += R"(],"next_cursor":)";
  body += page->next_cursor.empty() ? "null" : json::serialize(json::value(page->next_cursor));
  body += R"(,"has_more":)";
  body += page->next_cursor.empty() ? "false" : "true";
  body += '}';
  co_return JsonResponse(200, std::move(body));
}

boost::asio::awaitable<HttpResponse> V1Api::Live(HttpRequest& /*request*/) {
  co_return JsonResponse(200, R"({"status":"ok"})");
}

boost::asio::awaitable<HttpResponse> V1Api::Ready(HttpRequest& /*request*/) {
  storage::DecisionStore& store = store_;
  auto check = [&store] {
    return store.Ping();
  };
  Status ping = co_await RunBlocking(blocking_pool_, check);
  json::object checks;
  checks["store"] = ping ? std::string("ok") : ping.error().message;
  json::object body{{"status", ping ? "ready" : "not_ready"}, {"checks", std::move(checks)}};
  co_return JsonResponse(ping ? 200 : 503, json::serialize(body));
}

boost::asio::awaitable<HttpResponse> V1Api::Health(HttpRequest& /*request*/) {
  const auto uptime = std::chrono::duration<double>(clock_.Monotonic() - started_).count();
  json::array gpus;
  for (const auto& gpu : info_.device.gpus) {
    gpus.push_back(json::object{{"vendor", gpu.vendor}, {"name", gpu.name}});
  }
  json::object device{{"cpu_cores", info_.device.cpu_cores},
                      {"memory_total_gb", std::round(info_.device.memory_total_gb * 10) / 10},
                      {"gpus", std::move(gpus)}};
  json::object body{{"status", "ok"},
                    {"execution_mode", config::ExecutionModeName(info_.execution_mode)},
                    {"versions", json::object{{"amaima", info_.version},
                                              {"decision_schema", routing::kDecisionSchemaVersion},
                                              {"router_model", info_.router_model_version},
                                              {"policy", info_.policy_version},
                                              {"pricing", info_.pricing_version}}},
                    {"started_at", FormatRfc3339(started_wall_)},
                    {"uptime_seconds", std::round(uptime * 1000) / 1000},
                    {"device", std::move(device)}};
  co_return JsonResponse(200, json::serialize(body));
}

}  // namespace amaima::api
