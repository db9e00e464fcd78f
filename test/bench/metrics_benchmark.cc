// The metrics hot path: a counter increment and a histogram observation on a cached series,
// against a plain relaxed atomic fetch_add (the floor) in the same run, with 1 and 2 threads
// on the same series (the contended case). Also the cost of With() (a locked lookup) for
// callers that cannot cache. Run: build/release/test/bench/metrics_benchmark
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

#include "amaima/telemetry/gateway_metrics.h"
#include "amaima/telemetry/metrics.h"

namespace amaima::telemetry {
namespace {

// Shared by the threads of one benchmark, like the process-wide registry in the server.
struct Fixture {
  Fixture()
      : counter(registry.AddCounter("bench_requests_total", "R.", {"route", "method", "status"})
                    .With({"/v1/chat/completions", "POST", "200"})),
        histogram(
            registry.AddHistogram("bench_overhead_seconds", "O.", {"surface"}, OverheadBuckets())
                .With({"openai"})),
        gauge(registry.AddGauge("bench_in_flight", "G.").With({})) {}

  alignas(kSeriesAlignment) std::atomic<std::uint64_t> baseline{0};
  Registry registry;
  Counter& counter;
  Histogram& histogram;
  Gauge& gauge;
};

Fixture& Shared() {
  static Fixture fixture;  // Benchmark-only; the server never holds a global registry.
  return fixture;
}

void BM_AtomicFetchAddBaseline(benchmark::State& state) {
  auto& baseline = Shared().baseline;
  for (auto _ : state) {
    baseline.fetch_add(1, std::memory_order_relaxed);
  }
}

BENCHMARK(BM_AtomicFetchAddBaseline)->Threads(1)->Threads(2)->UseRealTime();

void BM_CounterIncrement(benchmark::State& state) {
  Counter& counter = Shared().counter;
  for (auto _ : state) {
    counter.Increment();
  }
}

BENCHMARK(BM_CounterIncrement)->Threads(1)->Threads(2)->UseRealTime();

void BM_CounterAddDouble(benchmark::State& state) {
  Counter& counter = Shared().counter;
  for (auto _ : state) {
    counter.Add(0.25);
  }
}

BENCHMARK(BM_CounterAddDouble)->Threads(1)->Threads(2)->UseRealTime();

void BM_GaugeIncrement(benchmark::State& state) {
  Gauge& gauge = Shared().gauge;
  for (auto _ : state) {
    gauge.Increment();
  }
}

BENCHMARK(BM_GaugeIncrement)->Threads(1)->Threads(2)->UseRealTime();

// A typical overhead value (420 µs) against the 17 overhead buckets.
void BM_HistogramObserve(benchmark::State& state) {
  Histogram& histogram = Shared().histogram;
  double value = 0.00042;
  for (auto _ : state) {
    benchmark::DoNotOptimize(value);
    histogram.Observe(value);
  }
}

BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

// For callers whose labels are only known per request (status, model): With() each time.
void BM_CounterWithLookup(benchmark::State& state) {
  auto& family =
      Shared().registry.AddCounter("bench_requests_total", "R.", {"route", "method", "status"});
  for (auto _ : state) {
    family.With({"/v1/chat/completions", "POST", "200"}).Increment();
  }
}

BENCHMARK(BM_CounterWithLookup)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace amaima::telemetry
