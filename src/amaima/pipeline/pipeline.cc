#include "amaima/pipeline/pipeline.h"

namespace amaima::pipeline {

Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages) : stages_(std::move(stages)) {}

boost::asio::awaitable<Status> Pipeline::Run(Exchange& exchange) const {
  Status status;
  std::size_t ran = 0;
  for (const auto& stage : stages_) {
    ++ran;
    Result<Verdict> verdict = co_await stage->OnRequest(exchange);
    if (!verdict) {
      status = verdict.error();
      break;
    }
    if (*verdict == Verdict::kRespond) {
      break;
    }
  }
  for (std::size_t i = ran; i > 0; --i) {
    stages_[i - 1]->OnComplete(exchange);
  }
  co_return status;
}

}  // namespace amaima::pipeline
