#include "amaima/api/anthropic/anthropic_api.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "amaima/api/anthropic/messages_request.h"
#include "amaima/api/anthropic/messages_wire.h"
#include "amaima/api/v1/executed_json.h"
#include "amaima/http/server/error_mapping.h"
#include "amaima/providers/provider_errors.h"

namespace amaima::api {
namespace {

namespace net = boost::asio;
using http::HttpRequest;
using http::HttpResponse;

Error ModelNotFound(const std::string& model) {
  return Fail(ErrorCode::kNotFound, "model_not_found", "model: " + model).With("field", "model");
}

Error ExecutionDisabled(const std::string& decision_id) {
  return Fail(ErrorCode::kUnavailable, "SYSTEM_EXECUTION_DISABLED",
              "execution is disabled (execution_mode: decision-only); decision " + decision_id
                  + " was recorded but not executed")
      .With("decision_id", decision_id);
}

// An executed stream as Anthropic's server-sent events: message_start and a ping as soon
// as the head is sent, then the encoded chunks, then message_delta and message_stop, or
// an `error` event when the upstream fails mid-stream (after the first byte no retry is
// possible). Destroying it destroys the upstream stream, which cancels it.
class MessageEventStream final : public http::ResponseStream {
 public:
  MessageEventStream(pipeline::OpenedStream opened, anthropic::MessageStreamEncoder encoder)
      : opened_(std::move(opened)), encoder_(std::move(encoder)) {}

  net::awaitable<std::optional<std::string>> Next() override {
    if (!started_) {
      started_ = true;
      co_return encoder_.Start();
    }
    while (!finished_) {
      auto chunk = co_await opened_.stream->Next();
      if (!chunk) {
        finished_ = true;
        co_return anthropic::MessageStreamEncoder::ErrorEvent(chunk.error());
      }
      if (!*chunk) {
        finished_ = true;
        co_return encoder_.Finish();
      }
      std::string events = encoder_.Feed(**chunk);
      if (!events.empty()) {
        co_return events;
      }
    }
    co_return std::nullopt;
  }

 private:
  pipeline::OpenedStream opened_;
  anthropic::MessageStreamEncoder encoder_;
  bool started_{false};
  bool finished_{false};
};

}  // namespace

HttpResponse AnthropicErrorResponse(const Error& error, std::string_view request_id) {
  HttpResponse response;
  response.status = http::HttpStatusFor(error);
  response.body = anthropic::SerializeError(anthropic::ErrorTypeFor(response.status), error.message,
                                            request_id);
  response.headers.emplace_back("x-amaima-request-id", std::string(request_id));
  response.headers.emplace_back("request-id", std::string(request_id));
  response.headers.emplace_back("x-amaima-error-code", std::string(http::PublicCode(error)));
  if (const std::string_view decision = providers::Detail(error, "decision_id");
      !decision.empty()) {
    response.headers.emplace_back("x-amaima-decision-id", std::string(decision));
  }
  return response;
}

HttpResponse AnthropicModelsResponse(const config::Config& config, const Clock& clock,
                                     std::string_view request_id) {
  HttpResponse response;
  response.body = anthropic::SerializeModelList(config, clock.Now());
  response.headers.emplace_back("x-amaima-request-id", std::string(request_id));
  response.headers.emplace_back("request-id", std::string(request_id));
  return response;
}

AnthropicApi::AnthropicApi(const config::Config& config, const pipeline::Pipeline& pipeline,
                           const pipeline::ExecutionHandler* execution, const Clock& clock)
    : config_(config), pipeline_(pipeline), execution_(execution), clock_(clock) {}

void AnthropicApi::Register(http::RouteTable& routes) {
  routes.Add("POST", "/v1/messages", Permission::kQuery,
             [this](HttpRequest& r) { return Messages(r); });
}

net::awaitable<HttpResponse> AnthropicApi::Messages(HttpRequest& request) {
  const auto started = clock_.Monotonic();
  Result<anthropic::MessagesRequest> parsed = anthropic::ParseMessagesRequest(request.body);
  if (!parsed) {
    co_return AnthropicErrorResponse(parsed.error(), request.request_id);
  }
  if (parsed->chat.model != "auto" && !config_.models.contains(parsed->chat.model)) {
    co_return AnthropicErrorResponse(ModelNotFound(parsed->chat.model), request.request_id);
  }
  pipeline::Exchange exchange;
  exchange.request_id = request.request_id;
  exchange.org_id = request.principal.Org();
  exchange.principal = request.principal;
  exchange.started = started;
  exchange.route_request = std::move(parsed->route);
  const bool executes = execution_ != nullptr && request.principal.execution_allowed;
  exchange.route_request.execution_mode =
      executes ? config_.execution.mode : config::ExecutionMode::kDecisionOnly;
  // Executing: the decision is written alongside the upstream call, not before it.
  exchange.await_decision_commit = !executes;
  Status decided = co_await pipeline_.Run(exchange);
  if (!decided) {
    co_return AnthropicErrorResponse(decided.error(), request.request_id);
  }
  const routing::Decision& decision = *exchange.decision;
  if (!executes) {
    co_return AnthropicErrorResponse(ExecutionDisabled(decision.decision_id), request.request_id);
  }
  const std::string id = anthropic::MessageIdFor(decision.decision_id);
  HttpResponse response;
  if (parsed->chat.stream) {
    const std::int64_t input_estimate = exchange.route_request.input_tokens;
    auto opened =
        co_await execution_->Stream(exchange, std::move(parsed->chat), pipeline::kSurfaceMessages);
    if (!opened) {
      co_return AnthropicErrorResponse(opened.error(), request.request_id);
    }
    const auto upstream_time = opened->upstream_time;
    response.headers.emplace_back("x-amaima-model", opened->model);
    anthropic::MessageStreamEncoder encoder(id, opened->model, input_estimate);
    response.content_type = "text/event-stream";
    response.stream = std::make_shared<MessageEventStream>(std::move(*opened), std::move(encoder));
    response.headers.emplace_back("x-amaima-overhead-ms",
                                  OverheadMs(clock_.Monotonic() - started, upstream_time));
  } else {
    auto completed = co_await execution_->Complete(exchange, std::move(parsed->chat),
                                                   pipeline::kSurfaceMessages);
    if (!completed) {
      co_return AnthropicErrorResponse(completed.error(), request.request_id);
    }
    response.body = anthropic::SerializeMessage(completed->response, id, completed->model);
    response.headers.emplace_back("x-amaima-model", completed->model);
    response.headers.emplace_back(
        "x-amaima-overhead-ms", OverheadMs(clock_.Monotonic() - started, completed->upstream_time));
  }
  response.headers.emplace_back("x-amaima-decision-id", decision.decision_id);
  response.headers.emplace_back("x-amaima-request-id", request.request_id);
  response.headers.emplace_back("request-id", request.request_id);
  co_return response;
}

}  // namespace amaima::api
