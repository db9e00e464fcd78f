#include "amaima/api/v1/v1_api.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/v1/executed_json.h"
#include "amaima/api/v1/feedback_json.h"
#include "amaima/api/v1/query_request.h"
#include "amaima/core/ids.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/error_mapping.h"
#include "amaima/providers/openai/openai_wire.h"
#include "amaima/routing/decision.h"

namespace amaima::api {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kSimulationOutput = "Simulation only - no execution.";
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 500;

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

Error ExecutionDisabled(std::string_view decision_id, config::ExecutionMode mode) {
  return Fail(ErrorCode::kUnavailable, "SYSTEM_EXECUTION_DISABLED",
              "execution is disabled (execution_mode: decision-only); the decision was not "
              "executed")
      .With("decision_id", std::string(decision_id))
      .With("execution_mode", config::ExecutionModeName(mode));
}

double Milliseconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// What to send upstream for a native query: the OpenAI-style messages as sent, or the query as
// one user message.
Result<providers::ChatRequest> ChatFor(std::string_view body, bool has_messages,
                                       const routing::RouteRequest& route) {
  if (has_messages) {
    return providers::openai::ParseChatRequest(body);
  }
  providers::ChatRequest chat;
  chat.messages.push_back(providers::ChatMessage{.role = "user", .content = route.query});
  chat.max_tokens = route.constraints.max_tokens;
  return chat;
}

// The parts of a recorded decision that executing it needs.
struct RecordedRoute {
  std::string model{};
  std::vector<std::string> fallback_chain{};
  std::optional<std::int64_t> max_tokens{};
  routing::Level routed_level{routing::Level::kModerate};  // For the budget's output estimate.
};

Result<RecordedRoute> ReadRecordedRoute(std::string_view body_json) {
  boost::system::error_code ec;
  const json::value decision = json::parse(body_json, ec);
  const json::object* route = nullptr;
  if (!ec && decision.is_object()) {
    const json::value* found = decision.get_object().if_contains("route");
    route = found != nullptr ? found->if_object() : nullptr;
  }
  const json::value* model = route != nullptr ? route->if_contains("model") : nullptr;
  if (model == nullptr || !model->is_string()) {
    return Fail(ErrorCode::kInternal, "the stored decision has no route.model");
  }
  RecordedRoute out;
  out.model = std::string(model->get_string());
  if (const json::value* chain = route->if_contains("fallback_chain");
      chain != nullptr && chain->is_array()) {
    for (const json::value& entry : chain->get_array()) {
      if (entry.is_string()) {
        out.fallback_chain.emplace_back(entry.get_string());
      }
    }
  }
  if (const json::value* level = route->if_contains("routed_level");
      level != nullptr && level->is_string()) {
    const std::string_view name = level->get_string();
    out.routed_level = routing::ParseLevel(name).value_or(routing::Level::kModerate);
  }
  const json::value* constraints = decision.get_object().if_contains("constraints");
  if (constraints != nullptr && constraints->is_object()) {
    const json::value* max_tokens = constraints->get_object().if_contains("max_tokens");
    if (max_tokens != nullptr && max_tokens->is_int64()) {
      out.max_tokens = max_tokens->get_int64();
    }
  }
  return out;
}

// What an execute body carries besides its decision id (one parse of a body that
// ParseExecuteRequest accepted): the query again, and the optional "stream" flag.
struct ExecuteBodyShape {
  bool has_query_text{false};
  bool stream{false};
};

ExecuteBodyShape ReadExecuteBodyShape(std::string_view body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  ExecuteBodyShape shape;
  if (ec || !parsed.is_object()) {
    return shape;
  }
  const json::object& object = parsed.get_object();
  shape.has_query_text = object.contains("query") || object.contains("messages");
  const json::value* stream = object.if_contains("stream");
  shape.stream = stream != nullptr && stream->is_bool() && stream->get_bool();
  return shape;
}

}  // namespace

V1Api::V1Api(const pipeline::Pipeline& pipeline, storage::DecisionStore& store,
             boost::asio::thread_pool& blocking_pool, const Clock& clock, ServiceInfo info,
             V1Execution execution)
    : pipeline_(pipeline),
      store_(store),
      blocking_pool_(blocking_pool),
      clock_(clock),
      info_(std::move(info)),
      execution_(execution),
      feedback_ids_(clock),
      started_(clock.Monotonic()),
      started_wall_(clock.Now()) {}

void V1Api::Register(http::RouteTable& routes) {
  // The handlers are plain lambdas returning the member coroutine's awaitable
  // (not coroutine lambdas): `this` outlives the route table's use.
  routes.Add("POST", "/v1/simulate", Permission::kQuery,
             [this](HttpRequest& r) { return Simulate(r); });
  routes.Add("POST", "/v1/query", Permission::kQuery, [this](HttpRequest& r) { return Query(r); });
  routes.Add("POST", "/v1/execute", Permission::kQuery,
             [this](HttpRequest& r) { return Execute(r); });
  routes.Add("GET", "/v1/decisions/{id}", Permission::kReadOwnDecisions,
             [this](HttpRequest& r) { return GetDecision(r); });
  routes.Add("GET", "/v1/decisions/{id}/executions", Permission::kReadOwnDecisions,
             [this](HttpRequest& r) { return ListExecutions(r); });
  routes.Add("GET", "/v1/decisions", Permission::kReadOwnDecisions,
             [this](HttpRequest& r) { return ListDecisions(r); });
  routes.Add("POST", "/v1/feedback", Permission::kFeedback,
             [this](HttpRequest& r) { return PostFeedback(r); });
  routes.Add("GET", "/health/live", Permission::kPublic,
             [this](HttpRequest& r) { return Live(r); });
  routes.Add("GET", "/health/ready", Permission::kPublic,
             [this](HttpRequest& r) { return Ready(r); });
  routes.Add("GET", "/v1/health", Permission::kPublic,
             [this](HttpRequest& r) { return Health(r); });
}

boost::asio::awaitable<Result<V1Api::Decided>> V1Api::Decide(HttpRequest& request,
                                                             bool simulate_only) {
  if (Status type = CheckJsonContentType(request); !type) {
    co_return type.error();
  }
  Result<QueryRequest> parsed = ParseQueryRequest(request.body);
  if (!parsed) {
    co_return parsed.error();
  }
  Decided decided;
  decided.stream = parsed->stream;
  decided.has_messages = parsed->has_messages;
  pipeline::Exchange& exchange = decided.exchange;
  exchange.request_id = request.request_id;
  exchange.org_id = request.principal.Org();
  exchange.principal = request.principal;
  exchange.started = clock_.Monotonic();
  exchange.route_request = std::move(parsed->route);
  const bool executes = execution_.handler != nullptr && request.principal.execution_allowed;
  exchange.route_request.execution_mode =
      executes ? info_.execution_mode : config::ExecutionMode::kDecisionOnly;
  exchange.route_request.simulate_only = simulate_only;
  // Executing: the decision is written alongside the upstream call, not before it.
  exchange.await_decision_commit = simulate_only || !executes;
  Status status = co_await pipeline_.Run(exchange);
  if (!status) {
    co_return status.error();
  }
  co_return decided;
}

boost::asio::awaitable<HttpResponse> V1Api::Simulate(HttpRequest& request) {
  Result<Decided> decided = co_await Decide(request, true);
  if (!decided) {
    co_return http::ErrorResponse(decided.error(), request.request_id);
  }
  pipeline::Exchange& exchange = decided->exchange;
  HttpResponse response = JsonResponse(200, std::move(exchange.recorded_decision));
  response.headers.emplace_back("x-amaima-decision-id", exchange.decision->decision_id);
  co_return response;
}

boost::asio::awaitable<HttpResponse> V1Api::Query(HttpRequest& request) {
  Result<Decided> decided = co_await Decide(request, false);
  if (!decided) {
    co_return http::ErrorResponse(decided.error(), request.request_id);
  }
  pipeline::Exchange& exchange = decided->exchange;
  if (execution_.handler == nullptr || !request.principal.execution_allowed) {
    // Decision-only: the decision plus the simulation marker, the decision spliced in as
    // recorded.
    std::string body;
    body.reserve(exchange.recorded_decision.size() + 160);
    body += R"({"decision":)";
    body += exchange.recorded_decision;
    body += R"(,"simulated":true,"output":")";
    body += kSimulationOutput;
    body += R"(","actual_cost_usd":null,"actual_latency_ms":null})";
    HttpResponse response = JsonResponse(200, std::move(body));
    response.headers.emplace_back("x-amaima-decision-id", exchange.decision->decision_id);
    co_return response;
  }
  Result<providers::ChatRequest> chat =
      ChatFor(request.body, decided->has_messages, exchange.route_request);
  if (!chat) {
    co_return http::ErrorResponse(chat.error(), request.request_id);
  }
  const std::string recorded = std::move(exchange.recorded_decision);
  HttpResponse response = co_await Run(exchange, recorded, std::move(*chat), decided->stream,
                                       pipeline::kSurfaceQuery, request.request_id);
  co_return response;
}

boost::asio::awaitable<HttpResponse> V1Api::Run(pipeline::Exchange& exchange,
                                                std::string_view recorded_decision,
                                                providers::ChatRequest chat, bool stream,
                                                std::string_view surface,
                                                const std::string& request_id) {
  const std::string& decision_id = exchange.decision->decision_id;
  const pipeline::ExecutionHandler& handler = *execution_.handler;
  HttpResponse response;
  if (stream) {
    auto opened = co_await handler.Stream(exchange, std::move(chat), surface);
    if (!opened) {
      co_return http::ErrorResponse(opened.error(), request_id);
    }
    response.headers.emplace_back("x-amaima-model", opened->model);
    response.headers.emplace_back(
        "x-amaima-overhead-ms",
        OverheadMs(clock_.Monotonic() - exchange.started, opened->upstream_time));
    response.content_type = "text/event-stream";
    response.stream = MakeQueryEventStream(std::string(recorded_decision), decision_id, request_id,
                                           std::move(*opened), handler);
  } else {
    auto completed = co_await handler.Complete(exchange, std::move(chat), surface);
    if (!completed) {
      co_return http::ErrorResponse(completed.error(), request_id);
    }
    const auto total = clock_.Monotonic() - exchange.started;
    const double overhead = Milliseconds(total - completed->upstream_time);
    response.body = ExecutedQueryJson(recorded_decision, *completed, Milliseconds(total), overhead);
    response.headers.emplace_back("x-amaima-model", completed->model);
    response.headers.emplace_back("x-amaima-overhead-ms",
                                  OverheadMs(total, completed->upstream_time));
  }
  response.headers.emplace_back("x-amaima-decision-id", decision_id);
  response.headers.emplace_back("x-amaima-request-id", request_id);
  co_return response;
}

boost::asio::awaitable<HttpResponse> V1Api::Execute(HttpRequest& request) {
  const auto started = clock_.Monotonic();
  if (Status type = CheckJsonContentType(request); !type) {
    co_return http::ErrorResponse(type.error(), request.request_id);
  }
  Result<std::string> id = ParseExecuteRequest(request.body);
  if (!id) {
    co_return http::ErrorResponse(id.error(), request.request_id);
  }
  // The query to execute, when the body carries it again (needed unless prompts are stored).
  std::optional<QueryRequest> given;
  const ExecuteBodyShape shape = ReadExecuteBodyShape(request.body);
  if (shape.has_query_text) {
    Result<QueryRequest> parsed = ParseQueryRequest(request.body);
    if (!parsed) {
      co_return http::ErrorResponse(parsed.error(), request.request_id);
    }
    given = std::move(*parsed);
  }
  storage::DecisionStore& store = store_;
  const std::string decision_id = *id;
  // Lambdas are named locals: GCC 12 miscompiles a capturing lambda inside a
  // co_await expression (CONVENTIONS §2.5).
  auto get = [&store, decision_id] {
    return store.Get(decision_id);
  };
  Result<storage::StoredDecision> stored = co_await RunBlocking(blocking_pool_, get);
  if (stored && !request.principal.MaySeeRecord(stored->org_id, stored->actor)) {
    stored = DecisionNotFound(stored->decision_id);
  }
  if (!stored) {
    co_return http::ErrorResponse(stored.error().code == ErrorCode::kNotFound
                                      ? DecisionNotFound(decision_id)
                                      : stored.error(),
                                  request.request_id);
  }
  if (execution_.handler == nullptr || !request.principal.execution_allowed) {
    // The client keeps the decision id to retry once execution is enabled.
    co_return http::ErrorResponse(
        ExecutionDisabled(decision_id, config::ExecutionMode::kDecisionOnly), request.request_id);
  }
  if (!stored->simulated) {
    co_return http::ErrorResponse(
        Fail(ErrorCode::kFailedPrecondition, "QUERY_DECISION_ALREADY_EXECUTED",
             "decision " + decision_id
                 + " was made to be executed at once (POST /v1/query); only simulated "
                   "decisions are executed by id")
            .With("decision_id", decision_id),
        request.request_id);
  }
  routing::RouteRequest route;
  bool has_messages = false;
  if (given.has_value()) {
    route = std::move(given->route);
    has_messages = given->has_messages;
  } else if (stored->prompt_text.has_value()) {
    route.query = *stored->prompt_text;
  } else {
    co_return http::ErrorResponse(
        Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD",
             "the decision's query is not stored (telemetry.store_prompts is off): send it again "
             "in 'query' or 'messages'")
            .With("field", "query")
            .With("decision_id", decision_id),
        request.request_id);
  }
  if (execution_.router != nullptr
      && execution_.router->QueryHash(route.query) != stored->query_hash) {
    co_return http::ErrorResponse(Fail(ErrorCode::kInvalidArgument, "QUERY_MISMATCH",
                                       "the query sent is not the one decision " + decision_id
                                           + " was made for (its query_hash differs)")
                                      .With("field", has_messages ? "messages" : "query")
                                      .With("decision_id", decision_id),
                                  request.request_id);
  }
  Result<RecordedRoute> recorded = ReadRecordedRoute(stored->body_json);
  if (!recorded) {
    co_return http::ErrorResponse(recorded.error(), request.request_id);
  }
  if (!route.constraints.max_tokens.has_value()) {
    route.constraints.max_tokens = recorded->max_tokens;
  }
  Result<providers::ChatRequest> chat = ChatFor(request.body, has_messages, route);
  if (!chat) {
    co_return http::ErrorResponse(chat.error(), request.request_id);
  }
  // Exactly as decided: the recorded model and fallback chain, whatever the policy says now.
  pipeline::Exchange exchange;
  exchange.request_id = request.request_id;
  exchange.org_id = stored->org_id;
  exchange.principal = request.principal;
  exchange.started = started;
  exchange.route_request = std::move(route);
  exchange.decision.emplace();
  exchange.decision->decision_id = decision_id;
  exchange.decision->route.model = recorded->model;
  exchange.decision->route.fallback_chain = recorded->fallback_chain;
  exchange.decision->route.routed_level = recorded->routed_level;
  Status charged = co_await ChargeBudget(exchange);
  if (!charged) {
    co_return http::ErrorResponse(std::move(charged.error()).With("decision_id", decision_id),
                                  request.request_id);
  }
  HttpResponse response = co_await Run(exchange, stored->body_json, std::move(*chat), shape.stream,
                                       pipeline::kSurfaceExecute, request.request_id);
  co_return response;
}

boost::asio::awaitable<Status> V1Api::ChargeBudget(pipeline::Exchange& exchange) const {
  if (execution_.budget == nullptr) {
    co_return Status{};
  }
  // Charged like a query; a downgrade changes what runs, not the decision as recorded.
  Status admitted = co_await execution_.budget->Admit(exchange);
  co_return admitted;
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
  // The decision with its feedback: one trip to the blocking pool.
  auto get = [&store, id, principal = request.principal]() -> Result<std::string> {
    Result<storage::StoredDecision> stored = store.Get(id);
    if (!stored) {
      return stored.error();
    }
    if (!principal.MaySeeRecord(stored->org_id, stored->actor)) {
      return DecisionNotFound(id);
    }
    Result<std::vector<storage::StoredFeedback>> feedback = store.ListFeedback(id);
    if (!feedback) {
      return feedback.error();
    }
    return DecisionWithFeedback(std::move(stored->body_json), *feedback);
  };
  Result<std::string> body = co_await RunBlocking(blocking_pool_, get);
  if (!body) {
    co_return http::ErrorResponse(
        body.error().code == ErrorCode::kNotFound ? DecisionNotFound(id) : body.error(),
        request.request_id);
  }
  co_return JsonResponse(200, std::move(*body));
}

boost::asio::awaitable<HttpResponse> V1Api::PostFeedback(HttpRequest& request) {
  if (Status type = CheckJsonContentType(request); !type) {
    co_return http::ErrorResponse(type.error(), request.request_id);
  }
  Result<FeedbackRequest> parsed = ParseFeedbackRequest(request.body);
  if (!parsed) {
    co_return http::ErrorResponse(parsed.error(), request.request_id);
  }
  storage::StoredFeedback feedback;
  feedback.feedback_id = feedback_ids_.NewId();
  feedback.decision_id = std::move(parsed->decision_id);
  feedback.correct_level = std::move(parsed->correct_level);
  feedback.rating = parsed->rating;
  feedback.comment = std::move(parsed->comment);
  feedback.created_at_ms = UnixMillis(clock_.Now());
  const std::string decision_id = feedback.decision_id;
  storage::DecisionStore& store = store_;
  // Feedback belongs to its decision's organisation. The foreign key also refuses an unknown
  // decision (kNotFound), should one disappear between the two calls.
  auto insert = [&store, feedback,
                 principal = request.principal]() mutable -> Result<storage::StoredFeedback> {
    Result<storage::StoredDecision> decision = store.Get(feedback.decision_id);
    if (!decision) {
      return decision.error();
    }
    if (!principal.MaySeeRecord(decision->org_id, decision->actor)) {
      return DecisionNotFound(decision->decision_id);
    }
    feedback.org_id = decision->org_id;
    if (Status inserted = store.InsertFeedback(feedback); !inserted) {
      return inserted.error();
    }
    return feedback;
  };
  Result<storage::StoredFeedback> stored = co_await RunBlocking(blocking_pool_, insert);
  if (!stored) {
    co_return http::ErrorResponse(stored.error().code == ErrorCode::kNotFound
                                      ? DecisionNotFound(decision_id)
                                      : stored.error(),
                                  request.request_id);
  }
  co_return JsonResponse(201, json::serialize(FeedbackToJson(*stored)));
}

boost::asio::awaitable<HttpResponse> V1Api::ListExecutions(HttpRequest& request) {
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
  if (stored && !request.principal.MaySeeRecord(stored->org_id, stored->actor)) {
    stored = DecisionNotFound(stored->decision_id);
  }
  if (!stored) {
    co_return http::ErrorResponse(
        stored.error().code == ErrorCode::kNotFound ? DecisionNotFound(id) : stored.error(),
        request.request_id);
  }
  auto list = [&store, id] {
    return store.ListExecutions(id);
  };
  Result<std::vector<storage::StoredExecution>> executions =
      co_await RunBlocking(blocking_pool_, list);
  if (!executions) {
    co_return http::ErrorResponse(executions.error(), request.request_id);
  }
  json::array data;
  for (const storage::StoredExecution& e : *executions) {
    data.push_back(json::object{
        {"request_id", e.request_id},
        {"decision_id", e.decision_id},
        {"created_at", FormatRfc3339(std::chrono::system_clock::time_point(
                           std::chrono::milliseconds(e.created_at_ms)))},
        {"surface", e.surface},
        {"model", e.model},
        {"provider", e.provider},
        {"streamed", e.streamed},
        {"status", e.status},
        {"error_code", e.error_code.empty() ? json::value(nullptr) : json::value(e.error_code)},
        {"usage", json::object{{"prompt_tokens", e.prompt_tokens},
                               {"completion_tokens", e.completion_tokens},
                               {"total_tokens", e.prompt_tokens + e.completion_tokens},
                               {"estimated", e.usage_estimated}}},
        {"cost_usd", e.cost_usd},
        {"upstream_ms", std::round(e.upstream_ms * 1000) / 1000},
        {"total_ms", std::round(e.total_ms * 1000) / 1000},
        {"attempts", e.attempts},
        {"actor", e.actor}});
  }
  json::object body{{"data", std::move(data)}};
  co_return JsonResponse(200, json::serialize(body));
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
  // Only the caller's organisation, unless it administers the system organisation.
  if (request.principal.authenticated && !request.principal.MaySee("")) {
    filter.org_id = request.principal.org_id;
  }
  // Users and viewers list only what they asked for (read_own_decisions).
  if (request.principal.authenticated && !request.principal.Allows(Permission::kReadOrgDecisions)) {
    filter.actor = request.principal.Subject();
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
