#include "amaima/api/openai/openai_api.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/api/anthropic/anthropic_api.h"
#include "amaima/api/v1/executed_json.h"
#include "amaima/api/v1/query_request.h"
#include "amaima/http/server/error_mapping.h"
#include "amaima/providers/openai/openai_wire.h"
#include "amaima/providers/provider_errors.h"
#include "amaima/routing/features.h"
#include "amaima/routing/policy.h"

namespace amaima::api {
namespace {

namespace net = boost::asio;
namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

std::string_view ErrorType(int status) {
  switch (status) {
    case 400:
    case 404:
    case 405:
    case 413:
    case 415:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "insufficient_quota";  // BUDGET_EXCEEDED.
    case 403:
      return "permission_error";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

bool HasCapability(const config::ModelConfig& model, std::string_view capability) {
  return std::find(model.capabilities.begin(), model.capabilities.end(), capability)
         != model.capabilities.end();
}

Error ModelNotFound(const std::string& model) {
  return Fail(ErrorCode::kNotFound, "model_not_found",
              "The model `" + model + "` does not exist or you do not have access to it.")
      .With("field", "model");
}

Error ExecutionDisabled(const std::string& decision_id) {
  return Fail(ErrorCode::kUnavailable, "SYSTEM_EXECUTION_DISABLED",
              "execution is disabled (execution_mode: decision-only); decision " + decision_id
                  + " was recorded but not executed")
      .With("decision_id", decision_id);
}

std::int64_t UnixSeconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
}

// Chunks of an executed stream as OpenAI server-sent events: every chunk renamed to the
// completion's id and the serving catalog model, usage only when asked for, "[DONE]" at
// the end, or an error event when the upstream fails mid-stream (after the first byte no
// retry is possible).
class ChatEventStream final : public http::ResponseStream {
 public:
  ChatEventStream(pipeline::OpenedStream opened, std::string id, std::int64_t created,
                  bool include_usage)
      : opened_(std::move(opened)),
        id_(std::move(id)),
        created_(created),
        include_usage_(include_usage) {}

  net::awaitable<std::optional<std::string>> Next() override {
    while (!finished_) {
      auto chunk = co_await opened_.stream->Next();
      if (!chunk) {
        finished_ = true;
        const Error& error = chunk.error();
        co_return "data: "
            + providers::openai::SerializeError(error.message, "server_error", "", error.reason)
            + "\n\n";
      }
      if (!*chunk) {
        finished_ = true;
        co_return std::string("data: [DONE]\n\n");
      }
      providers::ChatChunk& piece = **chunk;
      const bool usage_only = piece.usage && !piece.role_start && piece.content.empty()
                              && piece.tool_calls.empty() && piece.finish_reason.empty();
      if (!include_usage_ && piece.usage) {
        if (usage_only) {
          if (!opened_.stream->Ready()) {
            co_return std::string();  // Nothing to send yet; keeps Ready() true to its word.
          }
          continue;
        }
        piece.usage.reset();
      }
      piece.id = id_;
      piece.model = opened_.model;
      co_return "data: " + providers::openai::SerializeChatChunk(piece, created_) + "\n\n";
    }
    co_return std::nullopt;
  }

  bool Ready() const override { return finished_ || opened_.stream->Ready(); }

 private:
  pipeline::OpenedStream opened_;
  std::string id_;
  std::int64_t created_;
  bool include_usage_;
  bool finished_{false};
};

// A chat completions body, parsed once: what goes upstream and what the router reads.
struct ChatBody {
  providers::ChatRequest chat;
  QueryRequest query;
};

Result<ChatBody> ReadChatBody(std::string_view text, const config::Config& config) {
  // The parsed tree lives only while both requests are read from it: one arena on the
  // stack (for a typical body) instead of an allocation per value.
  std::array<unsigned char, 8192> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  json::monotonic_resource arena(buffer.data(), buffer.size());
  Result<json::object> object = providers::openai::ParseRequestObject(text, &arena);
  if (!object) {
    return object.error();
  }
  Result<providers::ChatRequest> chat = providers::openai::ReadChatRequest(*object);
  if (!chat) {
    return chat.error();
  }
  if (chat->model != "auto" && !config.models.contains(chat->model)) {
    return ModelNotFound(chat->model);
  }
  Result<QueryRequest> query = ReadQueryRequest(*object);
  if (!query) {
    return query.error();
  }
  return ChatBody{std::move(*chat), std::move(*query)};
}

}  // namespace

HttpResponse OpenAiErrorResponse(const Error& error, std::string_view request_id) {
  HttpResponse response;
  response.status = http::HttpStatusFor(error);
  const std::string code =
      error.reason.empty() ? std::string(ErrorCodeName(error.code)) : error.reason;
  response.body = providers::openai::SerializeError(error.message, ErrorType(response.status),
                                                    providers::Detail(error, "field"), code);
  if (!error.details.empty()) {
    // OpenAI's SDKs ignore fields they do not know; AMAIMA's clients read these (a refused
    // budget names its scope, period, cap and spending here).
    boost::system::error_code ec;
    json::value body = json::parse(response.body, ec);
    if (!ec && body.is_object() && body.at("error").is_object()) {
      json::object details;
      for (const auto& [key, value] : error.details) {
        details[key] = value;
      }
      json::object& object = body.at("error").as_object();
      object["details"] = std::move(details);
      object["request_id"] = request_id;
      response.body = json::serialize(body);
    }
  }
  response.headers.emplace_back("x-amaima-request-id", std::string(request_id));
  if (const std::string_view decision = providers::Detail(error, "decision_id");
      !decision.empty()) {
    response.headers.emplace_back("x-amaima-decision-id", std::string(decision));
  }
  return response;
}

OpenAiApi::OpenAiApi(const config::Config& config, const pipeline::Pipeline& pipeline,
                     const pipeline::ExecutionHandler* execution,
                     const providers::Executor* executor, const Clock& clock,
                     const pipeline::BudgetGate* budget)
    : config_(config),
      pipeline_(pipeline),
      execution_(execution),
      executor_(executor),
      clock_(clock),
      budget_(budget) {}

void OpenAiApi::Register(http::RouteTable& routes) {
  routes.Add("POST", "/v1/chat/completions", Permission::kQuery,
             [this](HttpRequest& r) { return ChatCompletions(r); });
  routes.Add("POST", "/v1/embeddings", Permission::kQuery,
             [this](HttpRequest& r) { return Embeddings(r); });
  routes.Add("GET", "/v1/models", Permission::kReadAnalytics,
             [this](HttpRequest& r) { return Models(r); });
}

net::awaitable<HttpResponse> OpenAiApi::ChatCompletions(HttpRequest& request) {
  const auto started = clock_.Monotonic();
  Result<ChatBody> body = ReadChatBody(request.body, config_);
  if (!body) {
    co_return OpenAiErrorResponse(body.error(), request.request_id);
  }
  providers::ChatRequest& chat = body->chat;
  QueryRequest& query = body->query;
  pipeline::Exchange exchange;
  exchange.request_id = request.request_id;
  exchange.org_id = request.principal.Org();
  exchange.principal = request.principal;
  exchange.started = started;
  exchange.route_request = std::move(query.route);
  const bool executes = execution_ != nullptr && request.principal.execution_allowed;
  exchange.route_request.execution_mode =
      executes ? config_.execution.mode : config::ExecutionMode::kDecisionOnly;
  exchange.await_decision_commit = !executes;
  Status decided = co_await pipeline_.Run(exchange);
  if (!decided) {
    co_return OpenAiErrorResponse(decided.error(), request.request_id);
  }
  const routing::Decision& decision = *exchange.decision;
  if (!executes) {
    co_return OpenAiErrorResponse(ExecutionDisabled(decision.decision_id), request.request_id);
  }
  const std::string id = "chatcmpl-" + decision.decision_id;
  const std::int64_t created = UnixSeconds(clock_);
  HttpResponse response;
  if (chat.stream) {
    const bool include_usage = chat.include_usage;
    auto opened =
        co_await execution_->Stream(exchange, std::move(chat), pipeline::kSurfaceChatCompletions);
    if (!opened) {
      co_return OpenAiErrorResponse(opened.error(), request.request_id);
    }
    response.headers.emplace_back("x-amaima-model", opened->model);
    response.headers.emplace_back("x-amaima-overhead-ms",
                                  OverheadMs(clock_.Monotonic() - started, opened->upstream_time));
    response.content_type = "text/event-stream";
    response.stream =
        std::make_shared<ChatEventStream>(std::move(*opened), id, created, include_usage);
  } else {
    auto completed =
        co_await execution_->Complete(exchange, std::move(chat), pipeline::kSurfaceChatCompletions);
    if (!completed) {
      co_return OpenAiErrorResponse(completed.error(), request.request_id);
    }
    completed->response.id = id;
    completed->response.model = completed->model;
    response.body = providers::openai::SerializeChatResponse(completed->response, created);
    response.headers.emplace_back("x-amaima-model", completed->model);
    if (completed->response.usage->estimated) {
      response.headers.emplace_back("x-amaima-usage-estimated", "true");
    }
    response.headers.emplace_back(
        "x-amaima-overhead-ms", OverheadMs(clock_.Monotonic() - started, completed->upstream_time));
  }
  response.headers.emplace_back("x-amaima-decision-id", decision.decision_id);
  response.headers.emplace_back("x-amaima-request-id", request.request_id);
  co_return response;
}

net::awaitable<HttpResponse> OpenAiApi::Embeddings(HttpRequest& request) {
  Result<providers::EmbeddingRequest> parsed =
      providers::openai::ParseEmbeddingRequest(request.body);
  if (!parsed) {
    co_return OpenAiErrorResponse(parsed.error(), request.request_id);
  }
  std::string model = parsed->model;
  if (model == "auto") {
    for (const auto& [name, entry] : config_.models) {
      if (HasCapability(entry, "embeddings")) {
        model = name;
        break;
      }
    }
  }
  const auto found = config_.models.find(model);
  if (found == config_.models.end() || !HasCapability(found->second, "embeddings")) {
    co_return OpenAiErrorResponse(ModelNotFound(parsed->model), request.request_id);
  }
  if (executor_ == nullptr || !request.principal.execution_allowed) {
    co_return OpenAiErrorResponse(Fail(ErrorCode::kUnavailable, "SYSTEM_EXECUTION_DISABLED",
                                       "execution is disabled (execution_mode: decision-only)"),
                                  request.request_id);
  }
  const bool base64 = parsed->base64;
  // Budgets: the inputs' estimated cost is reserved, what the upstream reports is charged.
  std::int64_t input_estimate = 0;
  for (const std::string& input : parsed->inputs) {
    input_estimate += routing::EstimateTokens(input);
  }
  std::unique_ptr<pipeline::BudgetHold> hold;
  if (budget_ != nullptr) {
    const double estimate = routing::EstimateOn(found->second, input_estimate, 0).cost_usd;
    auto admitted = co_await budget_->AdmitCost(request.principal, request.request_id, estimate);
    if (!admitted) {
      co_return OpenAiErrorResponse(admitted.error(), request.request_id);
    }
    hold = std::move(*admitted);
  }
  std::vector<std::string> chain{model};
  auto embedded = co_await executor_->Embed(std::move(chain), std::move(*parsed));
  if (!embedded) {
    if (hold) {
      co_await hold->Settle(0.0);
    }
    co_return OpenAiErrorResponse(embedded.error(), request.request_id);
  }
  if (hold) {
    const std::int64_t billed = embedded->response.usage.prompt_tokens > 0
                                    ? embedded->response.usage.prompt_tokens
                                    : input_estimate;
    co_await hold->Settle(routing::EstimateOn(found->second, billed, 0).cost_usd);
  }
  embedded->response.model = model;
  HttpResponse response;
  response.body = providers::openai::SerializeEmbeddingResponse(embedded->response, base64);
  response.headers.emplace_back("x-amaima-request-id", request.request_id);
  co_return response;
}

net::awaitable<HttpResponse> OpenAiApi::Models(HttpRequest& request) {
  // Anthropic's SDKs list models at the same path, and say so with this header.
  if (request.Header("anthropic-version").has_value()) {
    co_return AnthropicModelsResponse(config_, clock_, request.request_id);
  }
  json::array data;
  const std::int64_t created = UnixSeconds(clock_);
  json::object automatic;
  automatic["id"] = "auto";
  automatic["object"] = "model";
  automatic["created"] = created;
  automatic["owned_by"] = "amaima";
  data.push_back(std::move(automatic));
  for (const auto& [name, model] : config_.models) {
    json::object item;
    item["id"] = name;
    item["object"] = "model";
    item["created"] = created;
    item["owned_by"] = model.provider;
    data.push_back(std::move(item));
  }
  json::object body;
  body["object"] = "list";
  body["data"] = std::move(data);
  HttpResponse response;
  response.body = json::serialize(body);
  response.headers.emplace_back("x-amaima-request-id", request.request_id);
  co_return response;
}

}  // namespace amaima::api
