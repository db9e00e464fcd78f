#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/pipeline/exchange.h"

namespace amaima::pipeline {

enum class Verdict {
  kContinue,  // Run the next stage.
  kRespond,   // The stage has what the response needs; skip the remaining stages.
};

// One step of request processing (auth, rate limit, routing, ...).
//
// Stages are created once at startup and shared by all requests, so OnRequest()
// must keep per-request state in `exchange`, never in the stage. Thread-safe.
class Stage {
 public:
  Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  Stage(Stage&&) = delete;
  Stage& operator=(Stage&&) = delete;
  virtual ~Stage() = default;

  // Stable, snake_case name used in metrics and traces, e.g. "routing".
  virtual std::string_view name() const = 0;

  // Processes the request. `exchange` is owned by the caller and outlives the
  // call because the pipeline co_awaits it; do not keep references after return.
  // An error stops the pipeline and becomes the client's error response.
  virtual boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& exchange) = 0;

  // Always called exactly once per request that reached OnRequest, in reverse
  // order, whatever happened. Default: nothing.
  virtual void OnComplete(Exchange& /*exchange*/) {}
};

}  // namespace amaima::pipeline
