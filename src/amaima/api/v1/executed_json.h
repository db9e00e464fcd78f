#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "amaima/http/server/http_types.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/providers/chat_types.h"

namespace amaima::api {

// The native (v1) answer of an executed query: the decision as recorded, spliced in verbatim,
// then what happened:
//   {"decision": {...}, "simulated": false, "model", "output", "tool_calls": [...],
//    "finish_reason", "usage": {"prompt_tokens", "completion_tokens", "total_tokens",
//    "estimated"}, "actual_cost_usd", "actual_latency_ms", "overhead_ms"}
std::string ExecutedQueryJson(std::string_view recorded_decision,
                              const pipeline::Completion& completion, double latency_ms,
                              double overhead_ms);

// The x-amaima-overhead-ms value: `total` minus the time waiting on the provider, in
// milliseconds with three decimals.
std::string OverheadMs(std::chrono::steady_clock::duration total,
                       std::chrono::steady_clock::duration upstream);

// The usage object of the native surface.
std::string UsageJson(const providers::Usage& usage);

// The native server-sent events of a streamed query:
//   event: decision   data: the recorded decision
//   event: chunk      data: {"content": "...", "tool_calls": [{"index", "id", "name",
//                            "arguments"}]}   (one per upstream chunk with content)
//   event: complete   data: {"decision_id", "model", "finish_reason", "usage", "actual_cost_usd",
//                            "simulated": false}
//   event: error      data: the native error body, when the upstream fails mid-stream.
// Usage-only chunks are folded into `complete`.
std::shared_ptr<http::ResponseStream> MakeQueryEventStream(
    std::string recorded_decision, std::string decision_id, std::string request_id,
    pipeline::OpenedStream opened, const pipeline::ExecutionHandler& handler);

}  // namespace amaima::api
