#include "amaima/pipeline/stages/routing/routing_stage.h"

#include <gtest/gtest.h>

#include "amaima/config/config_loader.h"
#include "amaima/pipeline/pipeline.h"
#include "test/support/fake_clock.h"
#include "test/support/run_to_completion.h"

namespace amaima::pipeline {
namespace {

class FakeRecorder final : public DecisionRecorder {
 public:
  boost::asio::awaitable<Result<std::string>> Record(const routing::Decision& decision,
                                                     std::string_view query_text) override {
    recorded_ids.push_back(decision.decision_id);
    last_query = std::string(query_text);
    if (fail) {
      co_return Fail(ErrorCode::kUnavailable, "store down");
    }
    co_return "recorded:" + decision.decision_id;
  }

  std::string RecordInBackground(const routing::Decision& decision,
                                 std::string_view query_text) override {
    queued_ids.push_back(decision.decision_id);
    last_query = std::string(query_text);
    return "queued:" + decision.decision_id;
  }

  std::vector<std::string> recorded_ids;
  std::vector<std::string> queued_ids;
  std::string last_query;
  bool fail{false};
};

class RoutingStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = config::LoadConfig(config::LoadOptions{});
    ASSERT_TRUE(config);
    auto classifier = routing::ComplexityClassifier::LoadBuiltIn();
    ASSERT_TRUE(classifier);
    auto policy = routing::RoutingPolicy::Create(*config, routing::DeviceProfile{});
    ASSERT_TRUE(policy);
    router_ = std::make_unique<routing::Router>(std::move(*classifier), std::move(*policy),
                                                config->router, "key", ids_, clock_);
  }

  testing::FakeClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<routing::Router> router_;
  FakeRecorder recorder_;
};

TEST_F(RoutingStageTest, DecidesWithoutRecording) {
  RoutingStage stage(*router_);
  Exchange exchange;
  exchange.request_id = "req-1";
  exchange.org_id = "acme";
  exchange.route_request.query = "What is the boiling point of water?";

  const Result<Verdict> verdict = testing::RunToCompletion(stage.OnRequest(exchange));

  ASSERT_TRUE(verdict);
  EXPECT_EQ(*verdict, Verdict::kContinue);
  ASSERT_TRUE(exchange.decision.has_value());
  EXPECT_EQ(exchange.decision->request_id, "req-1");
  EXPECT_EQ(exchange.decision->org_id, "acme");
  EXPECT_TRUE(recorder_.recorded_ids.empty());
  EXPECT_TRUE(exchange.recorded_decision.empty());
}

// The shape BuildPipeline wires: decide, (revise,) record.
class DecideAndRecordTest : public RoutingStageTest {
 protected:
  Pipeline MakePipeline() {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<RoutingStage>(*router_));
    stages.push_back(std::make_unique<RecordingStage>(recorder_));
    return Pipeline(std::move(stages));
  }
};

TEST_F(DecideAndRecordTest, DecidesAndRecordsBeforeContinuing) {
  const Pipeline pipeline = MakePipeline();
  Exchange exchange;
  exchange.request_id = "req-1";
  exchange.org_id = "acme";
  exchange.route_request.query = "What is the boiling point of water?";

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  ASSERT_TRUE(status);
  ASSERT_TRUE(exchange.decision.has_value());
  EXPECT_EQ(recorder_.recorded_ids, std::vector<std::string>{exchange.decision->decision_id});
  EXPECT_EQ(recorder_.last_query, "What is the boiling point of water?");
  EXPECT_EQ(exchange.recorded_decision, "recorded:" + exchange.decision->decision_id);
}

TEST_F(DecideAndRecordTest, RecordsTheDecisionAsRevisedAfterRouting) {
  RecordingStage stage(recorder_);
  Exchange exchange;
  exchange.route_request.query = "hello";
  exchange.decision.emplace();
  exchange.decision->decision_id = "revised";

  const Result<Verdict> verdict = testing::RunToCompletion(stage.OnRequest(exchange));

  ASSERT_TRUE(verdict);
  EXPECT_EQ(recorder_.recorded_ids, std::vector<std::string>{"revised"});
  EXPECT_EQ(exchange.recorded_decision, "recorded:revised");
}

TEST_F(DecideAndRecordTest, ExecutingSurfacesQueueTheDecisionWithoutWaiting) {
  recorder_.fail = true;  // Record() would fail: it must not be called.
  const Pipeline pipeline = MakePipeline();
  Exchange exchange;
  exchange.route_request.query = "hello";
  exchange.await_decision_commit = false;

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  ASSERT_TRUE(status);
  EXPECT_TRUE(recorder_.recorded_ids.empty());
  EXPECT_EQ(recorder_.queued_ids, std::vector<std::string>{exchange.decision->decision_id});
  EXPECT_EQ(exchange.recorded_decision, "queued:" + exchange.decision->decision_id);
}

TEST_F(DecideAndRecordTest, RecorderFailureFailsTheRequest) {
  recorder_.fail = true;
  const Pipeline pipeline = MakePipeline();
  Exchange exchange;
  exchange.route_request.query = "hello";

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(exchange.recorded_decision.empty());
}

TEST_F(DecideAndRecordTest, PolicyErrorsStopBeforeRecording) {
  const Pipeline pipeline = MakePipeline();
  Exchange exchange;
  exchange.route_request.query = "hello";
  exchange.route_request.constraints.pinned_model = "no-such-model";

  const Status status = testing::RunToCompletion(pipeline.Run(exchange));

  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "VALIDATION_UNKNOWN_MODEL");
  EXPECT_TRUE(recorder_.recorded_ids.empty());
}

}  // namespace
}  // namespace amaima::pipeline
