#include "amaima/telemetry/gateway_metrics.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace amaima::telemetry {
namespace {

// A registry with every gateway family and a realistic set of series.
struct PopulatedGateway {
  PopulatedGateway() : metrics(registry, "0.1.0-test") {
    metrics.http_requests.With({"/v1/chat/completions", "POST", "200"}).Increment(12);
    metrics.http_requests.With({"/v1/chat/completions", "POST", "429"}).Increment();
    metrics.http_requests.With({"/metrics", "GET", "200"}).Increment(3);
    metrics.http_request_duration.With({"/v1/chat/completions", "POST"}).Observe(1.7);
    metrics.http_request_duration.With({"/v1/chat/completions", "POST"}).Observe(0.02);
    metrics.http_requests_in_flight.Set(2);
    metrics.gateway_overhead.With({"openai"}).Observe(0.00042);
    metrics.gateway_overhead.With({"openai"}).Observe(0.0000031);
    metrics.provider_request_duration.With({"openai", "gpt-4o-mini"}).Observe(0.9);
    metrics.provider_errors.With({"anthropic", "claude-3-5-haiku", "timeout"}).Increment();
    metrics.routing_decisions.With({"2", "gpt-4o-mini"}).Increment(12);
    metrics.tokens.With({"gpt-4o-mini", "input"}).Increment(5400);
    metrics.tokens.With({"gpt-4o-mini", "output"}).Increment(1200);
    metrics.cost_usd.With({"gpt-4o-mini"}).Add(0.00153);
    metrics.provider_circuit_state.SetCallback({"openai"}, [] { return kCircuitClosed; });
    metrics.provider_circuit_state.SetCallback({"anthropic"}, [] { return kCircuitOpen; });
    metrics.budget_utilisation.With({"org:acme", "month"}).Set(0.37);
    metrics.decision_writer_queue_depth.SetCallback(
        {}, [this] { return static_cast<double>(queue_depth.load()); });
    metrics.decision_writer_batches.SetCallback(
        {"written"}, [this] { return static_cast<double>(batches_written.load()); });
    metrics.decision_writer_batches.SetCallback({"failed"}, [] { return 0.0; });
  }

  std::atomic<std::int64_t> queue_depth{3};
  std::atomic<std::uint64_t> batches_written{41};
  Registry registry;
  GatewayMetrics metrics;
};

bool Contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

TEST(GatewayMetricsTest, ExposesEveryFamilyOnceRecorded) {
  PopulatedGateway gateway;

  const std::string text = gateway.registry.Serialize();

  for (const std::string_view line : {
           "# TYPE amaima_http_requests_total counter\n",
           "# TYPE amaima_http_request_duration_seconds histogram\n",
           "# TYPE amaima_http_requests_in_flight gauge\n",
           "# TYPE amaima_gateway_overhead_seconds histogram\n",
           "# TYPE amaima_provider_request_duration_seconds histogram\n",
           "# TYPE amaima_provider_errors_total counter\n",
           "# TYPE amaima_routing_decisions_total counter\n",
           "# TYPE amaima_tokens_total counter\n",
           "# TYPE amaima_cost_usd_total counter\n",
           "# TYPE amaima_provider_circuit_state gauge\n",
           "# TYPE amaima_budget_utilisation_ratio gauge\n",
           "# TYPE amaima_decision_writer_queue_depth gauge\n",
           "# TYPE amaima_decision_writer_batches_total counter\n",
           "# TYPE amaima_build_info gauge\n",
           "amaima_build_info{version=\"0.1.0-test\"} 1\n",
           "amaima_provider_circuit_state{provider=\"anthropic\"} 2\n",
           "amaima_decision_writer_queue_depth 3\n",
           "amaima_decision_writer_batches_total{outcome=\"written\"} 41\n",
           "amaima_gateway_overhead_seconds_bucket{surface=\"openai\",le=\"1e-05\"} 1\n",
           "amaima_gateway_overhead_seconds_bucket{surface=\"openai\",le=\"0.0005\"} 2\n",
           "amaima_http_requests_in_flight 2\n",
       }) {
    EXPECT_TRUE(Contains(text, line)) << line;
  }
}

TEST(GatewayMetricsTest, OverheadBucketsSpanTenMicrosecondsToOneHundredMilliseconds) {
  const std::vector<double> buckets = OverheadBuckets();

  ASSERT_FALSE(buckets.empty());
  EXPECT_DOUBLE_EQ(buckets.front(), 1e-5);
  EXPECT_DOUBLE_EQ(buckets.back(), 0.1);
  EXPECT_GE(buckets.size(), 12U);
}

// promtool (Debian package `prometheus`) is the reference parser and linter. Without it the
// tests skip, unless AMAIMA_REQUIRE_PROMTOOL=1 (scripts/test) makes that a failure.
class PromtoolTest : public testing::Test {
 protected:
  void SetUp() override {
    promtool_ = FindOnPath("promtool");
    if (!promtool_) {
      const char* require =
          std::getenv("AMAIMA_REQUIRE_PROMTOOL");  // NOLINT(concurrency-mt-unsafe)
      if (require != nullptr && std::string_view(require) == "1") {
        FAIL() << "promtool is not on PATH and AMAIMA_REQUIRE_PROMTOOL=1 "
                  "(apt-get install prometheus)";
      }
      GTEST_SKIP() << "promtool is not on PATH (apt-get install prometheus)";
    }
  }

  static std::optional<std::string> FindOnPath(std::string_view program) {
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
    if (path == nullptr) {
      return std::nullopt;
    }
    std::istringstream dirs{std::string(path)};
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const std::string candidate =
          (dir.empty() ? std::string(".") : dir) + "/" + std::string(program);
      if (::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    return std::nullopt;
  }

  // Returns promtool's exit status for `exposition` on stdin (0 valid, 1 unparseable, 3 lint
  // problems) and leaves its output in `output_`.
  int Check(const std::string& exposition) {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    const std::filesystem::path base =
        std::filesystem::temp_directory_path()
        / ("amaima_promtool_" + std::to_string(::getpid()) + "_" + info->name());
    const std::string input = base.string() + ".prom";
    const std::string report = base.string() + ".out";
    {
      std::ofstream out(input, std::ios::binary);
      out << exposition;
    }
    const std::string command =
        *promtool_ + " check metrics < '" + input + "' > '" + report + "' 2>&1";
    const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe)
    std::ifstream in(report);
    output_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(input);
    std::filesystem::remove(report);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::optional<std::string> promtool_{};
  std::string output_{};
};

TEST_F(PromtoolTest, AcceptsThePopulatedGatewayExposition) {
  PopulatedGateway gateway;
  const std::string text = gateway.registry.Serialize();

  const int status = Check(text);

  EXPECT_EQ(status, 0) << output_ << "\n--- exposition:\n" << text;
}

TEST_F(PromtoolTest, AcceptsEscapedLabelsAndSpecialValues) {
  Registry registry;
  registry.AddGauge("test_values", "Help with \\ and\nnewline.", {"v"})
      .With({"quote \" back \\ nl \n end"})
      .Set(std::numeric_limits<double>::infinity());
  registry.AddGauge("test_values", "Help with \\ and\nnewline.", {"v"})
      .With({"nan"})
      .Set(std::nan(""));
  registry.AddGauge("test_values", "Help with \\ and\nnewline.", {"v"}).With({"tiny"}).Set(2.5e-9);

  const int status = Check(registry.Serialize());

  EXPECT_EQ(status, 0) << output_;
}

// Proves the check can fail: promtool rejects broken text and lint problems.
TEST_F(PromtoolTest, RejectsBrokenExpositions) {
  const std::string unescaped_newline =
      "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"1\n\"} 1\n";
  const std::string bad_value = "# HELP x_total X.\n# TYPE x_total counter\nx_total 1,5\n";
  const std::string counter_without_total = "# HELP x X.\n# TYPE x counter\nx 1\n";

  EXPECT_NE(Check(unescaped_newline), 0) << output_;
  EXPECT_NE(Check(bad_value), 0) << output_;
  EXPECT_NE(Check(counter_without_total), 0) << output_;
}

}  // namespace
}  // namespace amaima::telemetry
