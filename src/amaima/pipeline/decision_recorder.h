#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/routing/decision.h"

namespace amaima::pipeline {

// Durably records decisions. The pipeline's seam to storage: implemented in
// server/ (serialise + the storage writer's group commit), faked in tests.
//
// @par Thread Safety
// Record() may be called concurrently from any thread.
class DecisionRecorder {
 public:
  DecisionRecorder() = default;
  DecisionRecorder(const DecisionRecorder&) = delete;
  DecisionRecorder& operator=(const DecisionRecorder&) = delete;
  DecisionRecorder(DecisionRecorder&&) = delete;
  DecisionRecorder& operator=(DecisionRecorder&&) = delete;
  virtual ~DecisionRecorder() = default;

  // Completes once `decision` is committed (it survives a crash from then on) and
  // returns the recorded representation (opaque to the pipeline; the API layer
  // answers with it so the decision is serialised once). `decision` must stay
  // alive until completion (the caller co_awaits). `query_text` is the raw query,
  // which an implementation may keep only when configured to (telemetry.store_prompts).
  // Errors: kUnavailable when the store is stopping or failing.
  virtual boost::asio::awaitable<Result<std::string>> Record(const routing::Decision& decision,
                                                             std::string_view query_text) = 0;

  // Like Record() but returns at once, with the decision queued for writing (in order with
  // everything queued after it) instead of committed.
  virtual std::string RecordInBackground(const routing::Decision& decision,
                                         std::string_view query_text) = 0;
};

}  // namespace amaima::pipeline
