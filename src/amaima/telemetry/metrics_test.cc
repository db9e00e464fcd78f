#include "amaima/telemetry/metrics.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::telemetry {
namespace {

TEST(FormatSampleValueTest, WritesIntegersWithoutExponentOrPoint) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(-0.0), "0");
  EXPECT_EQ(FormatSampleValue(42), "42");
  EXPECT_EQ(FormatSampleValue(-7), "-7");
  EXPECT_EQ(FormatSampleValue(1e6), "1000000");
  EXPECT_EQ(FormatSampleValue(9007199254740991.0), "9007199254740991");
}

TEST(FormatSampleValueTest, WritesFractionsInShortestRoundTripForm) {
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(2.5), "2.5");
  EXPECT_EQ(FormatSampleValue(0.0005), "0.0005");
  EXPECT_EQ(FormatSampleValue(-0.00025), "-0.00025");
  EXPECT_EQ(FormatSampleValue(2.5e-5), "2.5e-05");
  EXPECT_EQ(FormatSampleValue(1e-300), "1e-300");
  EXPECT_EQ(FormatSampleValue(1e20), "100000000000000000000");
  EXPECT_EQ(FormatSampleValue(1e21), "1e+21");
  EXPECT_EQ(FormatSampleValue(-1.5e300), "-1.5e+300");
  EXPECT_EQ(std::stod(FormatSampleValue(1.0 / 3.0)), 1.0 / 3.0);
}

TEST(FormatSampleValueTest, SpellsSpecialValuesAsPrometheusDoes) {
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(MetricNameTest, AcceptsOnlyPrometheusNames) {
  EXPECT_TRUE(IsValidMetricName("amaima_http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_TRUE(IsValidMetricName("_x1"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1x"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
  EXPECT_FALSE(IsValidMetricName("é"));
}

TEST(MetricNameTest, AcceptsOnlyPrometheusLabelNames) {
  EXPECT_TRUE(IsValidLabelName("route"));
  EXPECT_TRUE(IsValidLabelName("_x9"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("9a"));
}

TEST(RegistryTest, EmptyRegistrySerializesToNothing) {
  Registry registry;
  registry.AddCounter("labelled_total", "Has no series yet.", {"route"});

  EXPECT_EQ(registry.Serialize(), "");
}

TEST(RegistryTest, EscapesHelpAndLabelValues) {
  Registry registry;
  auto& requests =
      registry.AddCounter("test_requests_total", "Line one.\nA \\ and a \"quote\".", {"route"});

  requests.With({"/v1/chat"}).Increment(3);
  requests.With({"a\"b\\c\nd"}).Increment();

  // HELP escapes only backslash and newline; label values also escape the double quote.
  EXPECT_EQ(registry.Serialize(),
            R"(# HELP test_requests_total Line one.\nA \\ and a "quote".
# TYPE test_requests_total counter
test_requests_total{route="/v1/chat"} 3
test_requests_total{route="a\"b\\c\nd"} 1
)");
}

TEST(RegistryTest, WritesHistogramBucketsCumulativelyWithInfSumAndCount) {
  Registry registry;
  auto& latency =
      registry.AddHistogram("test_latency_seconds", "Latency.", {"route"}, {0.25, 0.5, 1});
  Histogram& series = latency.With({"/x"});

  // Upper bounds are inclusive: 0.25 counts in le="0.25". Values are exact binary fractions.
  for (const double v : {0.125, 0.25, 0.5, 0.75, 2.0}) {
    series.Observe(v);
  }

  EXPECT_EQ(registry.Serialize(),
            R"(# HELP test_latency_seconds Latency.
# TYPE test_latency_seconds histogram
test_latency_seconds_bucket{route="/x",le="0.25"} 2
test_latency_seconds_bucket{route="/x",le="0.5"} 3
test_latency_seconds_bucket{route="/x",le="1"} 4
test_latency_seconds_bucket{route="/x",le="+Inf"} 5
test_latency_seconds_sum{route="/x"} 3.625
test_latency_seconds_count{route="/x"} 5
)");
}

TEST(RegistryTest, WritesUnlabelledSeriesWithoutBraces) {
  Registry registry;
  registry.AddGauge("test_gauge", "A gauge.").With({}).Set(1.5);
  Histogram& histogram =
      registry.AddHistogram("test_hist_seconds", "A histogram.", {}, {1}).With({});

  histogram.Observe(3);

  EXPECT_EQ(registry.Serialize(),
            R"(# HELP test_gauge A gauge.
# TYPE test_gauge gauge
test_gauge 1.5
# HELP test_hist_seconds A histogram.
# TYPE test_hist_seconds histogram
test_hist_seconds_bucket{le="1"} 0
test_hist_seconds_bucket{le="+Inf"} 1
test_hist_seconds_sum 3
test_hist_seconds_count 1
)");
}

TEST(RegistryTest, OrdersFamiliesByNameAndSeriesByLabelValues) {
  Registry registry;
  auto& zeta = registry.AddCounter("zeta_total", "Z.", {"a", "b"});
  auto& alpha = registry.AddGauge("alpha", "A.", {"k"});

  zeta.With({"y", "2"}).Increment();
  zeta.With({"x", "9"}).Increment();
  zeta.With({"y", "10"}).Increment();
  alpha.With({"b"}).Set(2);
  alpha.With({"a"}).Set(1);

  EXPECT_EQ(registry.Serialize(),
            R"(# HELP alpha A.
# TYPE alpha gauge
alpha{k="a"} 1
alpha{k="b"} 2
# HELP zeta_total Z.
# TYPE zeta_total counter
zeta_total{a="x",b="9"} 1
zeta_total{a="y",b="10"} 1
zeta_total{a="y",b="2"} 1
)");
}

TEST(RegistryTest, EvaluatesCallbackGaugesAtScrapeTimeInLabelOrder) {
  Registry registry;
  auto& state = registry.AddGauge("test_circuit_state", "State.", {"provider"});
  double openai_state = 0;
  state.SetCallback({"openai"}, [&openai_state] { return openai_state; });
  state.With({"anthropic"}).Set(1);
  state.SetCallback({"zhipu"}, [] { return 2.0; });
  const std::string before = registry.Serialize();

  openai_state = 2;

  EXPECT_EQ(before,
            R"(# HELP test_circuit_state State.
# TYPE test_circuit_state gauge
test_circuit_state{provider="anthropic"} 1
test_circuit_state{provider="openai"} 0
test_circuit_state{provider="zhipu"} 2
)");
  EXPECT_NE(registry.Serialize().find("test_circuit_state{provider=\"openai\"} 2\n"),
            std::string::npos);
}

TEST(RegistryTest, EvaluatesCallbackCounters) {
  Registry registry;
  auto& batches = registry.AddCounter("test_batches_total", "Batches.", {"outcome"});
  std::uint64_t written = 7;

  batches.SetCallback({"written"}, [&written] { return static_cast<double>(written); });
  written = 9;

  EXPECT_NE(registry.Serialize().find("test_batches_total{outcome=\"written\"} 9\n"),
            std::string::npos);
}

TEST(RegistryTest, CounterKeepsIntegerAndFractionalIncrements) {
  Registry registry;
  auto& cost = registry.AddCounter("test_cost_usd_total", "Cost.", {"model"});
  auto& tokens = registry.AddCounter("test_tokens_total", "Tokens.");

  cost.With({"m"}).Add(0.25);
  cost.With({"m"}).Add(-1);  // Ignored: counters never go down.
  cost.With({"m"}).Add(std::nan(""));
  cost.With({"m"}).Increment();
  tokens.With({}).Increment(std::uint64_t{1} << 60U);

  EXPECT_DOUBLE_EQ(cost.With({"m"}).value(), 1.25);
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("test_cost_usd_total{model=\"m\"} 1.25\n"), std::string::npos);
  // Exact past 2^53.
  EXPECT_NE(text.find("test_tokens_total 1152921504606846976\n"), std::string::npos);
}

TEST(RegistryTest, WithReturnsTheSameSeriesForTheSameLabels) {
  Registry registry;
  auto& family = registry.AddCounter("test_total", "T.", {"a"});
  const std::string value = "x";

  Counter& first = family.With({"x"});
  Counter& second = family.With({value});

  EXPECT_EQ(&first, &second);
  EXPECT_NE(&first, &family.With({"y"}));
}

TEST(RegistryTest, RegisteringTheSameFamilyAgainReturnsIt) {
  Registry registry;
  auto& first = registry.AddHistogram("test_seconds", "S.", {"a"}, {1, 2});

  auto& second = registry.AddHistogram("test_seconds", "S.", {"a"}, {1, 2});

  EXPECT_EQ(&first, &second);
}

TEST(RegistryTest, GaugeGoesUpAndDown) {
  Registry registry;
  Gauge& gauge = registry.AddGauge("test_in_flight", "G.").With({});

  gauge.Increment();
  gauge.Increment();
  gauge.Decrement();
  gauge.Add(0.5);

  EXPECT_DOUBLE_EQ(gauge.value(), 1.5);
}

TEST(RegistryTest, HistogramSendsNanToInfBucket) {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("test_seconds", "S.", {}, {1}).With({});

  histogram.Observe(std::nan(""));

  const Histogram::Snapshot snapshot = histogram.Collect();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

class RegistryDeathTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }

  Registry registry_;
};

TEST_F(RegistryDeathTest, AbortsOnInvalidNames) {
  EXPECT_DEATH(registry_.AddGauge("bad-name", "x"), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddGauge("ok", "x", {"__reserved"}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddGauge("ok", "x", {"a", "a"}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddCounter("requests", "x"), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddHistogram("h", "x", {"le"}, {1}), "AMAIMA_CHECK failed");
}

TEST_F(RegistryDeathTest, AbortsOnBadBucketBounds) {
  EXPECT_DEATH(registry_.AddHistogram("h", "x", {}, {2, 1}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddHistogram("h", "x", {}, {1, 1}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddHistogram("h", "x", {}, {1, std::numeric_limits<double>::infinity()}),
               "AMAIMA_CHECK failed");
}

TEST_F(RegistryDeathTest, AbortsOnConflictingRegistration) {
  registry_.AddGauge("thing", "x", {"a"});
  registry_.AddHistogram("latency", "x", {}, {1});

  EXPECT_DEATH(registry_.AddHistogram("thing", "x", {"a"}, {1}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddGauge("thing", "x", {"b"}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddGauge("thing", "other help", {"a"}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddHistogram("latency", "x", {}, {2}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(registry_.AddGauge("latency_count", "x"), "AMAIMA_CHECK failed");
}

TEST_F(RegistryDeathTest, AbortsOnWrongLabelCountOrSeriesAndCallbackClash) {
  auto& family = registry_.AddGauge("g", "x", {"a"});
  family.With({"stored"});

  EXPECT_DEATH(family.With({}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(family.With({"a", "b"}), "AMAIMA_CHECK failed");
  EXPECT_DEATH(family.SetCallback({"stored"}, [] { return 1.0; }), "AMAIMA_CHECK failed");
}

constexpr int kThreads = 4;
constexpr int kIterations = 20000;
constexpr int kSeriesPerThread = 50;
constexpr std::uint64_t kTotal = std::uint64_t{kThreads} * kIterations;

std::string OwnRoute(int thread, int series) {
  return "t" + std::to_string(thread) + "_" + std::to_string(series);
}

// The families one concurrency run records into, shared by its threads.
struct ConcurrentLoad {
  explicit ConcurrentLoad(Registry& registry)
      : requests(registry.AddCounter("test_requests_total", "R.", {"route"})),
        cost(registry.AddCounter("test_cost_total", "C.")),
        latency(registry.AddHistogram("test_seconds", "L.", {"route"}, {0.25, 1})),
        in_flight(registry.AddGauge("test_in_flight", "G.").With({})),
        shared(requests.With({"shared"})) {}

  // One thread's work: cached series, looked-up series, and series of its own to create.
  void Record(int thread) {
    for (int i = 0; i < kIterations; ++i) {
      shared.Increment();
      requests.With({"looked_up"}).Increment();
      requests.With({OwnRoute(thread, i % kSeriesPerThread)}).Increment();
      cost.With({}).Add(0.25);
      latency.With({"shared"}).Observe(0.5);
      in_flight.Increment();
    }
  }

  CounterFamily& requests;
  CounterFamily& cost;
  HistogramFamily& latency;
  Gauge& in_flight;
  Counter& shared;
};

// The gtest assertion macros expand to branches; the function itself is straight-line.
// NOLINTNEXTLINE(readability-function-cognitive-complexity)
void ExpectExactTotals(ConcurrentLoad& load, const Registry& registry) {
  EXPECT_EQ(load.shared.value(), static_cast<double>(kTotal));
  EXPECT_EQ(load.requests.With({"looked_up"}).value(), static_cast<double>(kTotal));
  std::vector<double> own_values;
  for (int t = 0; t < kThreads; ++t) {
    for (int s = 0; s < kSeriesPerThread; ++s) {
      own_values.push_back(load.requests.With({OwnRoute(t, s)}).value());
    }
  }
  EXPECT_EQ(own_values, std::vector<double>(std::size_t{kThreads} * kSeriesPerThread,
                                            double{kIterations} / kSeriesPerThread));
  EXPECT_EQ(load.cost.With({}).value(), 0.25 * kTotal);
  EXPECT_EQ(load.in_flight.value(), static_cast<double>(kTotal));
  const Histogram::Snapshot snapshot = load.latency.With({"shared"}).Collect();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, kTotal, kTotal}));
  EXPECT_EQ(snapshot.sum, 0.5 * kTotal);
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("test_seconds_count{route=\"shared\"} 80000\n"), std::string::npos);
  EXPECT_NE(text.find("test_requests_total{route=\"shared\"} 80000\n"), std::string::npos);
}

// Run under TSan by scripts/test (the `Metrics` filter): several threads record into the same
// series, create new ones and scrape at once; totals must be exact after join.
TEST(MetricsConcurrencyTest, ConcurrentRecordingAndCreationKeepExactTotals) {
  Registry registry;
  ConcurrentLoad load(registry);

  std::vector<std::thread> threads;
  threads.reserve(kThreads + 1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&load, t] { load.Record(t); });
  }
  std::size_t scraped_bytes = 0;
  threads.emplace_back([&registry, &scraped_bytes] {
    for (int i = 0; i < 50; ++i) {
      scraped_bytes += registry.Serialize().size();
    }
  });
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_GT(scraped_bytes, 0U);
  ExpectExactTotals(load, registry);
}

}  // namespace
}  // namespace amaima::telemetry
