#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/pipeline/exchange.h"
#include "amaima/providers/chat_types.h"
#include "amaima/providers/executor.h"
#include "amaima/storage/decision_store.h"

namespace amaima::pipeline {

// Where finished executions go: one record per executed request (usage, cost, outcome),
// keyed by its request id and decision id. Implemented in server/ over the storage writer.
//
// @par Thread Safety
// Record() may be called from any thread; it must not block (it queues).
class UsageRecorder {
 public:
  UsageRecorder() = default;
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;
  virtual ~UsageRecorder() = default;

  virtual void Record(storage::StoredExecution record) = 0;
};

// Which API surface an execution came through, for the usage record.
inline constexpr std::string_view kSurfaceChatCompletions = "chat.completions";
inline constexpr std::string_view kSurfaceQuery = "query";
inline constexpr std::string_view kSurfaceExecute = "execute";
inline constexpr std::string_view kSurfaceMessages = "messages";
inline constexpr std::string_view kSurfaceWebSocket = "ws";

// A finished non-streamed execution.
struct Completion {
  std::string model{};     // The catalog model that answered.
  std::string provider{};  // Its `providers:` entry.
  // The answer; `usage` is always set (estimated and flagged when the upstream sent none).
  providers::ChatResponse response{};
  double cost_usd{0.0};                                 // From the catalog prices of `model`.
  std::chrono::steady_clock::duration upstream_time{};  // Waiting on the provider.
  std::vector<providers::AttemptRecord> attempts{};
};

// An opened stream. `stream` passes the upstream's chunks through unchanged and records the
// execution when it ends: after its last chunk, after an error, or when it is destroyed before
// either (the client went away: recorded as "cancelled"). When the upstream ends without having
// reported usage, one more chunk carrying only the estimated usage (flagged) comes before the
// end, so a surface that shows usage can rely on having seen it.
struct OpenedStream {
  std::string model{};
  std::string provider{};
  std::unique_ptr<providers::TokenStream> stream{};
  std::chrono::steady_clock::duration upstream_time{};  // Until the upstream accepted.
  std::vector<providers::AttemptRecord> attempts{};
};

// The pipeline's terminal handler: executes a decided exchange against the providers along
// the decision's model and fallback chain, prices the usage from the catalog and records one
// storage::StoredExecution per request through the UsageRecorder (queued, not awaited).
//
// `exchange.decision` must be set (the routing stage ran). Errors are the executor's
// (see providers::Executor) with the decision id added in details.decision_id.
//
// Budgets: both calls take `exchange.budget_hold` (when the budget stage set one) and settle
// it with the execution's actual cost once the execution ends: Complete() before it returns,
// a stream when it ends, fails or is dropped (as it records usage). A failed call settles at 0.
//
// @par Thread Safety
// Thread-safe; everything is borrowed and must outlive the handler and the streams it opens.
class ExecutionHandler {
 public:
  ExecutionHandler(const config::Config& config, const providers::Executor& executor,
                   UsageRecorder& usage, const Clock& clock);

  boost::asio::awaitable<Result<Completion>> Complete(Exchange& exchange,
                                                      providers::ChatRequest request,
                                                      std::string_view surface) const;

  boost::asio::awaitable<Result<OpenedStream>> Stream(Exchange& exchange,
                                                      providers::ChatRequest request,
                                                      std::string_view surface) const;

  // What `usage` cost on catalog model `model` (0 for a model not in the catalog).
  double CostUsd(const std::string& model, const providers::Usage& usage) const;

  // The catalog model, then its fallback chain, of `decision`.
  static std::vector<std::string> ChainOf(const routing::Decision& decision);

 private:
  const config::Config& config_;
  const providers::Executor& executor_;
  UsageRecorder& usage_;
  const Clock& clock_;
};

}  // namespace amaima::pipeline
