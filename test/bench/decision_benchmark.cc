// One in-process decision (features + classify + security scan + policy + ids and
// hashing), on real queries, and its serialisation to the wire form. Run from the
// repository root: build/release/test/bench/decision_benchmark
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "amaima/api/v1/decision_json.h"
#include "amaima/config/config_loader.h"
#include "amaima/core/check.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/routing/router.h"

namespace amaima {
namespace {

// Queries from the project's own general set (short chat queries) and, when present,
// the complexity dev set (long exam prompts).
std::vector<std::string> LoadQueries(const std::string& path, std::size_t limit) {
  std::vector<std::string> queries;
  std::ifstream in(path);
  std::string line;
  while (queries.size() < limit && std::getline(in, line)) {
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

  Fixture() {
    auto config = config::LoadConfig(config::LoadOptions{});
    AMAIMA_CHECK(config.has_value());
    auto classifier = routing::ComplexityClassifier::LoadBuiltIn();
    AMAIMA_CHECK(classifier.has_value());
    routing::DeviceProfile device;
    device.memory_total_gb = 16;
    auto policy = routing::RoutingPolicy::Create(*config, device);
    AMAIMA_CHECK(policy.has_value());
    router = std::make_unique<routing::Router>(std::move(*classifier), std::move(*policy),
                                               config->router, "benchmark-key", ids, clock);
  }
};

Fixture& SharedFixture() {
  static Fixture* fixture = new Fixture();  // NOLINT(cppcoreguidelines-owning-memory)
  return *fixture;
}

// Times each decision separately and reports p50/p99 as counters (µs).
void RunDecisions(benchmark::State& state, const std::vector<std::string>& queries,
                  bool serialise) {
  Fixture& fixture = SharedFixture();
  AMAIMA_CHECK(!queries.empty());
  std::vector<double> micros;
  micros.reserve(1 << 16);
  std::size_t i = 0;
  for (auto _ : state) {
    routing::RouteRequest request;
    request.query = queries[i++ % queries.size()];
    const auto start = std::chrono::steady_clock::now();
    auto decision = fixture.router->Decide(request);
    if (serialise) {
      std::string body = api::SerializeDecision(*decision);
      benchmark::DoNotOptimize(body);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    benchmark::DoNotOptimize(decision);
    if (micros.size() < micros.capacity()) {
      micros.push_back(std::chrono::duration<double, std::micro>(elapsed).count());
    }
  }
  std::sort(micros.begin(), micros.end());
  if (!micros.empty()) {
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  }
}

const std::vector<std::string>& GeneralQueries() {
  static const auto* queries =
      new std::vector<std::string>(LoadQueries("data/router/general_queries.jsonl", 1000));
  return *queries;
}

const std::vector<std::string>& DevQueries() {
  static const auto* queries =
      new std::vector<std::string>(LoadQueries("../shared/data/complexity/dev.jsonl", 1000));
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

void BM_DecisionAndJsonGeneralQueries(benchmark::State& state) {
  RunDecisions(state, GeneralQueries(), true);
}

BENCHMARK(BM_DecisionGeneralQueries);
BENCHMARK(BM_DecisionDevQueries);
BENCHMARK(BM_DecisionAndJsonGeneralQueries);

}  // namespace
}  // namespace amaima
