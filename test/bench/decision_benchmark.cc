// One in-process decision (features + classify + security scan + policy + ids and
// hashing), on real queries, and its serialisation to the wire form. Run from the
// repository root: build/release/test/bench/decision_benchmark
//
// Every call is timed on its own. Besides the mean that google-benchmark reports, each run
// reports, in µs:
//   p50_us, p90_us, p99_us, max_us  percentiles of all calls (what a caller sees,
//                                   including preemption on a busy machine);
//   query_p99_us                    the p99 over the queries of each query's median time:
//                                   the cost of the slow (long) queries without the
//                                   scheduler's noise, stable from run to run.
// Each query runs many times (the benchmark cycles through the set in order for at least
// --benchmark_min_time); compare medians over --benchmark_repetitions.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/v1/decision_json.h"
#include "amaima/config/config_loader.h"
#include "amaima/core/check.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/routing/router.h"

namespace amaima {
namespace {

// The "text" of every row of a JSONL file.
std::vector<std::string> LoadQueries(const std::string& path) {
  std::vector<std::string> queries;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(line, ec);
    if (!ec && value.is_object() && value.as_object().contains("text")) {
      queries.emplace_back(value.at("text").as_string());
    }
  }
  return queries;
}

struct Fixture {
  SystemClock clock;
  IdGenerator ids{clock};
  std::unique_ptr<routing::Router> router;
  // The same with router.strong_weak on: the second (strong-vs-weak) model scores every
  // query from the same analysis.
  std::unique_ptr<routing::Router> strong_weak_router;

  Fixture() {
    router = MakeRouter(false);
    strong_weak_router = MakeRouter(true);
  }

  std::unique_ptr<routing::Router> MakeRouter(bool strong_weak) {
    auto config = config::LoadConfig(config::LoadOptions{});
    AMAIMA_CHECK(config.has_value());
    std::unique_ptr<routing::StrongWeakModel> pair_model;
    if (strong_weak) {
      config->router.strong_weak.strong_model = "claude-sonnet-4";
      config->router.strong_weak.weak_model = "gpt-4o-mini";
      auto loaded = routing::StrongWeakModel::LoadBuiltIn();
      AMAIMA_CHECK(loaded.has_value());
      pair_model = std::move(*loaded);
    }
    auto classifier = routing::ComplexityClassifier::LoadBuiltIn();
    AMAIMA_CHECK(classifier.has_value());
    routing::DeviceProfile device;
    device.memory_total_gb = 16;
    auto policy = routing::RoutingPolicy::Create(*config, device);
    AMAIMA_CHECK(policy.has_value());
    return std::make_unique<routing::Router>(std::move(*classifier), std::move(*policy),
                                             config->router, "benchmark-key", ids, clock,
                                             std::move(pair_model));
  }
};

Fixture& SharedFixture() {
  static Fixture* fixture = new Fixture();  // NOLINT(cppcoreguidelines-owning-memory)
  return *fixture;
}

double Percentile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

// Times each decision separately and reports the percentiles above as counters (µs).
void RunDecisions(benchmark::State& state, const std::vector<std::string>& queries, bool serialise,
                  bool strong_weak = false) {
  Fixture& fixture = SharedFixture();
  const routing::Router& router = strong_weak ? *fixture.strong_weak_router : *fixture.router;
  AMAIMA_CHECK(!queries.empty());
  // Requests are built before the clock starts: copying a multi-KB query is not the
  // decision's cost.
  std::vector<routing::RouteRequest> requests(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    requests[q].query = queries[q];
  }
  constexpr std::size_t kMaxSamplesPerQuery = 4096;
  std::vector<std::vector<double>> per_query(queries.size());
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t q = i++ % queries.size();
    const auto start = std::chrono::steady_clock::now();
    auto decision = router.Decide(requests[q]);
    if (serialise) {
      std::string body = api::SerializeDecision(*decision);
      benchmark::DoNotOptimize(body);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    benchmark::DoNotOptimize(decision);
    if (per_query[q].size() < kMaxSamplesPerQuery) {
      per_query[q].push_back(std::chrono::duration<double, std::micro>(elapsed).count());
    }
  }
  std::vector<double> all;
  std::vector<double> medians;
  for (std::vector<double>& samples : per_query) {
    if (samples.empty()) {
      continue;
    }
    all.insert(all.end(), samples.begin(), samples.end());
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    medians.push_back(*middle);
  }
  if (all.empty()) {
    return;
  }
  std::sort(all.begin(), all.end());
  std::sort(medians.begin(), medians.end());
  state.counters["p50_us"] = Percentile(all, 0.50);
  state.counters["p90_us"] = Percentile(all, 0.90);
  state.counters["p99_us"] = Percentile(all, 0.99);
  state.counters["max_us"] = all.back();
  state.counters["query_p99_us"] = Percentile(medians, 0.99);
  state.counters["queries"] = static_cast<double>(medians.size());
}

const std::vector<std::string>& GeneralQueries() {
  static const auto* queries =
      new std::vector<std::string>(LoadQueries("data/router/general_queries.jsonl"));
  return *queries;
}

// All of the complexity dev set: MATH problems and MMLU questions, 4 to 2828 bytes.
const std::vector<std::string>& DevQueries() {
  static const auto* queries =
      new std::vector<std::string>(LoadQueries("../shared/data/complexity/dev.jsonl"));
  return *queries;
}

void BM_DecisionGeneralQueries(benchmark::State& state) {
  RunDecisions(state, GeneralQueries(), false);
}

void BM_DecisionDevQueries(benchmark::State& state) {
  if (DevQueries().empty()) {
    state.SkipWithError("../shared/data/complexity/dev.jsonl not found");
    return;
  }
  RunDecisions(state, DevQueries(), false);
}

void BM_DecisionStrongWeakGeneralQueries(benchmark::State& state) {
  RunDecisions(state, GeneralQueries(), false, true);
}

void BM_DecisionStrongWeakDevQueries(benchmark::State& state) {
  if (DevQueries().empty()) {
    state.SkipWithError("../shared/data/complexity/dev.jsonl not found");
    return;
  }
  RunDecisions(state, DevQueries(), false, true);
}

void BM_DecisionAndJsonGeneralQueries(benchmark::State& state) {
  RunDecisions(state, GeneralQueries(), true);
}

// The recorded text of decided general queries: SerializeDecision() against the tree it
// replaced (DecisionToJson() into a stack arena, then boost::json::serialize()), the
// baseline, in the same run.
const std::vector<routing::Decision>& GeneralDecisions() {
  static const auto* decisions = [] {
    auto* out = new std::vector<routing::Decision>();
    for (const std::string& query : GeneralQueries()) {
      routing::RouteRequest request;
      request.query = query;
      auto decision = SharedFixture().router->Decide(request);
      AMAIMA_CHECK(decision.has_value());
      out->push_back(std::move(*decision));
    }
    return out;
  }();
  return *decisions;
}

void BM_DecisionTextTreeBaseline(benchmark::State& state) {
  const auto& decisions = GeneralDecisions();
  std::size_t i = 0;
  for (auto _ : state) {
    std::array<unsigned char, 16384> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    boost::json::monotonic_resource arena(buffer.data(), buffer.size());
    std::string body =
        boost::json::serialize(api::DecisionToJson(decisions[i++ % decisions.size()], &arena));
    benchmark::DoNotOptimize(body);
  }
}

void BM_DecisionText(benchmark::State& state) {
  const auto& decisions = GeneralDecisions();
  std::size_t i = 0;
  for (auto _ : state) {
    std::string body = api::SerializeDecision(decisions[i++ % decisions.size()]);
    benchmark::DoNotOptimize(body);
  }
}

BENCHMARK(BM_DecisionTextTreeBaseline);
BENCHMARK(BM_DecisionText);

// At least 2 s each, so that every dev query runs about a hundred times.
BENCHMARK(BM_DecisionGeneralQueries)->MinTime(2.0);
BENCHMARK(BM_DecisionDevQueries)->MinTime(2.0);
BENCHMARK(BM_DecisionStrongWeakGeneralQueries)->MinTime(2.0);
BENCHMARK(BM_DecisionStrongWeakDevQueries)->MinTime(2.0);
BENCHMARK(BM_DecisionAndJsonGeneralQueries)->MinTime(2.0);

}  // namespace
}  // namespace amaima
