#include "amaima/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include "test/support/run_to_completion.h"

namespace amaima::pipeline {
namespace {

// Records the order of calls into a shared log; answers as scripted.
class ScriptedStage final : public Stage {
 public:
  ScriptedStage(std::string name, std::vector<std::string>& log, Result<Verdict> answer)
      : name_(std::move(name)), log_(log), answer_(std::move(answer)) {}

  std::string_view name() const override { return name_; }

  boost::asio::awaitable<Result<Verdict>> OnRequest(Exchange& /*exchange*/) override {
    log_.push_back("request:" + name_);
    co_return answer_;
  }

  void OnComplete(Exchange& /*exchange*/) override { log_.push_back("complete:" + name_); }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  Result<Verdict> answer_;
};

Pipeline Make(std::vector<std::string>& log, std::vector<Result<Verdict>> answers) {
  std::vector<std::unique_ptr<Stage>> stages;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    stages.push_back(std::make_unique<ScriptedStage>(std::string(1, static_cast<char>('a' + i)),
                                                     log, answers[i]));
  }
  return Pipeline(std::move(stages));
}

TEST(PipelineTest, RunsStagesInOrderAndCompletesInReverse) {
  std::vector<std::string> log;
  const Pipeline pipeline = Make(log, {Verdict::kContinue, Verdict::kContinue});
  Exchange exchange;

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  EXPECT_TRUE(status);
  EXPECT_EQ(log, (std::vector<std::string>{"request:a", "request:b", "complete:b", "complete:a"}));
}

TEST(PipelineTest, StopsAtFirstFailingStageAndReturnsItsError) {
  std::vector<std::string> log;
  const Pipeline pipeline = Make(
      log,
      {Verdict::kContinue, Fail(ErrorCode::kResourceExhausted, "slow down"), Verdict::kContinue});
  Exchange exchange;

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(log, (std::vector<std::string>{"request:a", "request:b", "complete:b", "complete:a"}));
}

TEST(PipelineTest, RespondSkipsTheRemainingStages) {
  std::vector<std::string> log;
  const Pipeline pipeline = Make(log, {Verdict::kRespond, Verdict::kContinue});
  Exchange exchange;

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  EXPECT_TRUE(status);
  EXPECT_EQ(log, (std::vector<std::string>{"request:a", "complete:a"}));
}

}  // namespace
}  // namespace amaima::pipeline
