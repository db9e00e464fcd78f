// Classify() latency on real queries: the complexity dev split (MATH + MMLU) and the
// hand-written general queries. Run from the repository root, or set AMAIMA_SOURCE_DIR.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/security_scanner.h"
#include "amaima/routing/training/dataset.h"

namespace amaima::routing {
namespace {

std::vector<std::string> LoadQueries(const std::string& relative_path) {
  const char* root = std::getenv("AMAIMA_SOURCE_DIR");
  const std::string path =
      (root == nullptr ? std::string(".") : std::string(root)) + "/" + relative_path;
  std::vector<std::string> texts;
  auto rows = training::ReadLabelledQueries(path);
  if (rows) {
    for (auto& row : *rows) {
      texts.push_back(std::move(row.text));
    }
  }
  return texts;
}

const ComplexityClassifier& Classifier() {
  static const auto* const classifier = ComplexityClassifier::LoadBuiltIn()->release();
  return *classifier;
}

void RunClassify(benchmark::State& state, const std::vector<std::string>& queries) {
  if (queries.empty()) {
    state.SkipWithError("queries not found: run from the repository root");
    return;
  }
  const ComplexityClassifier& classifier = Classifier();
  std::vector<double> nanos;
  nanos.reserve(1 << 20);
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string& query = queries[i++ % queries.size()];
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(classifier.Classify(query));
    const auto stop = std::chrono::steady_clock::now();
    if (nanos.size() < nanos.capacity()) {
      nanos.push_back(std::chrono::duration<double, std::nano>(stop - start).count());
    }
    bytes += query.size();
  }
  std::sort(nanos.begin(), nanos.end());
  const auto at = [&](double q) {
    return nanos[static_cast<std::size_t>(q * static_cast<double>(nanos.size() - 1))];
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["max_ns"] = nanos.back();
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_ClassifyComplexityDev(benchmark::State& state) {
  static const std::vector<std::string> queries =
      LoadQueries("../shared/data/complexity/dev.jsonl");
  RunClassify(state, queries);
}

BENCHMARK(BM_ClassifyComplexityDev);

void BM_ClassifyGeneralQueries(benchmark::State& state) {
  static const std::vector<std::string> queries = LoadQueries("data/router/general_queries.jsonl");
  RunClassify(state, queries);
}

BENCHMARK(BM_ClassifyGeneralQueries);

void BM_ClassifyThirtyWords(benchmark::State& state) {
  const std::vector<std::string> queries = {
      "Explain how a hash table handles collisions, compare chaining with open addressing, and "
      "say which one you would pick for a cache with many deletions and why it matters."};
  RunClassify(state, queries);
}

BENCHMARK(BM_ClassifyThirtyWords);

void BM_ScanSecurity(benchmark::State& state) {
  static const std::vector<std::string> queries = LoadQueries("data/router/general_queries.jsonl");
  if (queries.empty()) {
    state.SkipWithError("queries not found");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ScanSecurity(queries[i++ % queries.size()]));
  }
}

BENCHMARK(BM_ScanSecurity);

}  // namespace
}  // namespace amaima::routing
