#include "amaima/providers/executor.h"

#include <thread>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "amaima/providers/provider_errors.h"
#include "test/support/fake_provider/fake_provider.h"

namespace amaima::providers {
namespace {

namespace net = boost::asio;
using amaima::testing::FakeProvider;
using amaima::testing::FakeRule;
using std::chrono::milliseconds;

FakeRule Fault(std::string model, int status, int nth = 1, int times = 0) {
  FakeRule rule;
  rule.model = std::move(model);
  rule.status = status;
  rule.nth = nth;
  rule.times = times;
  return rule;
}

// Two upstreams on one fake provider: "primary" speaks OpenAI and serves model "a"
// (upstream "up-a"); "backup" speaks Anthropic and serves "b" ("up-b").
class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value());
    fake_ = std::move(*fake);
    config_.providers["primary"] = Settings("primary", "openai", fake_->base_url() + "/v1");
    config_.providers["backup"] = Settings("backup", "anthropic", fake_->base_url());
    config_.models["a"] = config::ModelConfig{
        .name = "a", .provider = "openai", .upstream = "primary", .upstream_model = "up-a"};
    config_.models["b"] = config::ModelConfig{
        .name = "b", .provider = "anthropic", .upstream = "backup", .upstream_model = "up-b"};
    Rebuild();
  }

  void TearDown() override {
    executor_.reset();
    registry_.reset();  // its clients hold sockets of io_
  }

  static config::ProviderConfig Settings(std::string name, std::string type, std::string url) {
    config::ProviderConfig settings;
    settings.name = std::move(name);
    settings.type = std::move(type);
    settings.base_url = std::move(url);
    settings.max_attempts = 3;
    settings.backoff_base = milliseconds(1);
    settings.backoff_max = milliseconds(30);
    settings.read_timeout = milliseconds(5000);
    settings.breaker_failure_threshold = 100;
    return settings;
  }

  void Rebuild() {
    executor_.reset();
    registry_.reset();
    auto registry = ProviderRegistry::Create(config_, clock_);
    ASSERT_TRUE(registry.has_value()) << registry.error().message;
    registry_ = std::move(*registry);
    executor_ = std::make_unique<Executor>(*registry_, [] { return 0.5; });
  }

  template <typename T>
  T Run(net::awaitable<T> task) {
    auto result = net::co_spawn(io_, std::move(task), net::use_future);
    io_.restart();
    io_.run();
    return result.get();
  }

  static ChatRequest Hello() {
    ChatRequest request;
    request.messages.push_back({.role = "user", .content = "hello"});
    return request;
  }

  // Opens a stream along `chain` and reads it to the end.
  net::awaitable<std::pair<Result<StreamResult>, std::string>> OpenAndDrain(
      std::vector<std::string> chain) {
    auto opened = co_await executor_->Stream(std::move(chain), Hello());
    std::string text;
    if (opened) {
      for (;;) {
        auto chunk = co_await opened->stream->Next();
        if (!chunk || !*chunk) {
          break;
        }
        text += (*chunk)->content;
      }
    }
    co_return std::make_pair(std::move(opened), text);
  }

  std::size_t RequestsFor(const std::string& model) const {
    std::size_t n = 0;
    for (const auto& request : fake_->requests()) {
      n += request.model == model ? 1 : 0;
    }
    return n;
  }

  net::io_context io_;
  SystemClock clock_;
  std::unique_ptr<FakeProvider> fake_;
  config::Config config_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<Executor> executor_;
};

TEST_F(ExecutorTest, RetriesServerErrorsOnTheSameModelWithBackoff) {
  fake_->AddRule(Fault("up-a", 500, 1, 2));

  const auto result = Run(executor_->Complete({"a", "b"}, Hello()));

  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->model, "a");
  EXPECT_EQ(result->response.content, "Echo: hello");
  ASSERT_EQ(result->attempts.size(), 3U);
  EXPECT_EQ(result->attempts[0].outcome, "UPSTREAM_SERVER_ERROR");
  EXPECT_EQ(result->attempts[1].backoff, milliseconds(0));  // 0.5 * 1 ms, truncated
  EXPECT_EQ(result->attempts[2].backoff, milliseconds(1));  // 0.5 * 2 ms
  EXPECT_EQ(result->attempts[2].outcome, "ok");
  EXPECT_EQ(RequestsFor("up-b"), 0U);
}

TEST_F(ExecutorTest, ARateLimitMovesToTheNextModelAtOnce) {
  fake_->AddRule(Fault("up-a", 429));

  const auto result = Run(executor_->Complete({"a", "b"}, Hello()));

  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->model, "b");
  EXPECT_EQ(RequestsFor("up-a"), 1U);
  EXPECT_EQ(RequestsFor("up-b"), 1U);
  EXPECT_EQ(result->attempts.front().outcome, "UPSTREAM_RATE_LIMITED");
}

TEST_F(ExecutorTest, RetryAfterIsHonouredUpToTheCap) {
  FakeRule busy = Fault("up-a", 503, 1, 1);
  busy.retry_after = "1";
  fake_->AddRule(busy);

  const auto result = Run(executor_->Complete({"a"}, Hello()));

  ASSERT_TRUE(result.has_value()) << result.error().message;
  ASSERT_EQ(result->attempts.size(), 2U);
  EXPECT_EQ(result->attempts[1].backoff, milliseconds(30));  // 1 s asked, capped at 30 ms
}

TEST_F(ExecutorTest, NoHealthyModelGives503WithTheAttempts) {
  fake_->AddRule(Fault("up-a", 500));
  fake_->AddRule(Fault("up-b", 502));

  const auto result = Run(executor_->Complete({"a", "b"}, Hello()));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().reason, "SYSTEM_NO_HEALTHY_UPSTREAM");
  EXPECT_EQ(Detail(result.error(), "attempt_count"), "6");
  EXPECT_NE(std::string(Detail(result.error(), "attempts")).find("b#3:UPSTREAM_SERVER_ERROR"),
            std::string::npos);
}

TEST_F(ExecutorTest, ARejectedRequestEndsTheChain) {
  fake_->AddRule(Fault("up-a", 400));

  const auto result = Run(executor_->Complete({"a", "b"}, Hello()));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().reason, "UPSTREAM_REJECTED");
  EXPECT_EQ(RequestsFor("up-a"), 1U);
  EXPECT_EQ(RequestsFor("up-b"), 0U);
}

TEST_F(ExecutorTest, AnOpenBreakerSkipsItsUpstreamUntilItHalfOpens) {
  config_.providers["primary"].max_attempts = 1;
  config_.providers["primary"].breaker_failure_threshold = 2;
  config_.providers["primary"].breaker_open = milliseconds(200);
  Rebuild();
  fake_->AddRule(Fault("up-a", 500, 1, 2));

  ASSERT_FALSE(Run(executor_->Complete({"a"}, Hello())).has_value());
  ASSERT_FALSE(Run(executor_->Complete({"a"}, Hello())).has_value());
  EXPECT_EQ(registry_->Find("a")->breaker->state(), BreakerState::kOpen);
  const auto skipped = Run(executor_->Complete({"a", "b"}, Hello()));

  ASSERT_TRUE(skipped.has_value());
  EXPECT_EQ(skipped->model, "b");
  EXPECT_EQ(skipped->attempts.front().outcome, "CIRCUIT_OPEN");
  EXPECT_EQ(RequestsFor("up-a"), 2U);  // the open breaker sent nothing

  std::this_thread::sleep_for(milliseconds(250));
  const auto probe = Run(executor_->Complete({"a", "b"}, Hello()));
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->model, "a");  // the half-open probe succeeded
  EXPECT_EQ(registry_->Find("a")->breaker->state(), BreakerState::kClosed);
}

TEST_F(ExecutorTest, AStreamIsRetriedOnlyUntilItOpens) {
  FakeRule reset = Fault("up-a", 200, 1, 1);
  reset.reset_before_headers = true;
  fake_->AddRule(reset);

  auto [opened, text] = Run(OpenAndDrain({"a"}));

  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(opened->attempts.size(), 2U);
  EXPECT_EQ(text, "Echo: hello");
}

TEST_F(ExecutorTest, CancellationStopsTheUpstreamCallPromptly) {
  FakeRule hang = Fault("up-a", 200);
  hang.hang = true;
  fake_->AddRule(hang);
  net::cancellation_signal cancel;
  net::steady_timer timer(io_, milliseconds(100));
  timer.async_wait(
      [&cancel](boost::system::error_code) { cancel.emit(net::cancellation_type::terminal); });

  auto result = net::co_spawn(io_, executor_->Complete({"a", "b"}, Hello()),
                              net::bind_cancellation_slot(cancel.slot(), net::use_future));
  io_.restart();
  io_.run();
  const auto outcome = result.get();

  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(RequestsFor("up-b"), 0U);  // cancelled, not failed over
  EXPECT_TRUE(fake_->WaitFor(
      [](const amaima::testing::FakeProviderCounters& c) { return c.client_disconnects == 1; },
      std::chrono::seconds(5)));
}

}  // namespace
}  // namespace amaima::providers
