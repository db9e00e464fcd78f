#pragma once

#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/pipeline/exchange.h"
#include "amaima/pipeline/stage.h"

namespace amaima::pipeline {

// Runs the stages in order for one request. Built once by server/BuildPipeline.
//
// @par Thread Safety
// Immutable after construction; Run() may be called concurrently.
class Pipeline {
 public:
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages);

  // Runs OnRequest of each stage until one fails or answers kRespond, then
  // OnComplete of every stage that ran, in reverse order. `exchange` must outlive
  // the call (the caller co_awaits it).
  boost::asio::awaitable<Status> Run(Exchange& exchange) const;

  std::size_t size() const { return stages_.size(); }

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace amaima::pipeline
