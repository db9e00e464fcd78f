#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/pipeline/pipeline.h"

namespace amaima::api {

// The Anthropic-compatible surface: POST /v1/messages, streaming and not, so that
// Anthropic's SDKs and tools can use AMAIMA as their base URL. `model: "auto"` is routed
// by the decision plane; a catalog model name is pinned; anything else is a 404
// not_found_error. Every request's decision is recorded before anything is executed, and
// every response names it (x-amaima-decision-id). Errors use Anthropic's shape
// ({"type": "error", "error": {"type", "message"}}) so that the SDKs raise their error
// classes. With execution disabled, messages answer 503 api_error carrying the decision
// id. GET /v1/models in Anthropic's shape is AnthropicModelsResponse(), dispatched by the
// OpenAI surface, which owns that path.
//
// @par Thread Safety
// Handlers run concurrently on any I/O thread. Everything is borrowed and must outlive
// the API object and the streams it returns; `execution` is null when execution is
// disabled.
class AnthropicApi {
 public:
  AnthropicApi(const config::Config& config, const pipeline::Pipeline& pipeline,
               const pipeline::ExecutionHandler* execution, const Clock& clock);

  // Adds the routes of this surface to `routes`. `this` must outlive `routes`' use.
  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> Messages(http::HttpRequest& request);

 private:
  const config::Config& config_;
  const pipeline::Pipeline& pipeline_;
  const pipeline::ExecutionHandler* execution_;
  const Clock& clock_;
};

// An error in Anthropic's shape with the status of the error mapping, the request id in
// the body and in `request-id`, the public error code in x-amaima-error-code, and the
// decision id (details.decision_id) in x-amaima-decision-id when there is one.
http::HttpResponse AnthropicErrorResponse(const Error& error, std::string_view request_id);

// GET /v1/models for Anthropic clients (requests that carry an `anthropic-version`
// header): {data: [{type: "model", id, display_name, created_at}], has_more, first_id,
// last_id} listing "auto" and the catalog's chat models.
http::HttpResponse AnthropicModelsResponse(const config::Config& config, const Clock& clock,
                                           std::string_view request_id);

}  // namespace amaima::api
