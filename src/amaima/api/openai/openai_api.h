#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/pipeline/pipeline.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"
#include "amaima/providers/executor.h"

namespace amaima::api {

// The OpenAI-compatible surface: POST /v1/chat/completions (streaming and not),
// POST /v1/embeddings, GET /v1/models. `model: "auto"` is routed by the decision plane;
// a catalog model name is pinned (PINNED_BY_CLIENT); anything else is a 404 in OpenAI's
// shape. Every request's decision is recorded before anything is executed, and every
// response names it (x-amaima-decision-id). Errors use OpenAI's error shape so SDKs parse
// them (with AMAIMA's `details` and `request_id` added to the error object). With execution
// disabled, chat and embeddings answer 503 SYSTEM_EXECUTION_DISABLED carrying the decision id.
//
// @par Thread Safety
// Handlers run concurrently on any I/O thread. Everything is borrowed and must outlive
// the API object; `execution` and `executor` are null when execution is disabled.
class OpenAiApi {
 public:
  // `budget` (null = budgets off) charges embeddings to the caller's budgets; chat is charged
  // by the pipeline's budget stage.
  OpenAiApi(const config::Config& config, const pipeline::Pipeline& pipeline,
            const pipeline::ExecutionHandler* execution, const providers::Executor* executor,
            const Clock& clock, const pipeline::BudgetGate* budget = nullptr);

  // Adds the routes of this surface to `routes`. `this` must outlive `routes`' use.
  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> ChatCompletions(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Embeddings(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Models(http::HttpRequest& request);

 private:
  const config::Config& config_;
  const pipeline::Pipeline& pipeline_;
  const pipeline::ExecutionHandler* execution_;
  const providers::Executor* executor_;
  const Clock& clock_;
  const pipeline::BudgetGate* budget_;
};

// An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the
// status of the error mapping; `code` is the reason code, `param` the offending field.
http::HttpResponse OpenAiErrorResponse(const Error& error, std::string_view request_id);

}  // namespace amaima::api
