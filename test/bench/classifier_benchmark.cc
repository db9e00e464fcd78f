// Classify() latency on real queries: the complexity dev split (MATH + MMLU) and the
// hand-written general queries. Run from the repository root, or set AMAIMA_SOURCE_DIR.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/features.h"
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

// Times `fn(query)` per call, cycling through `queries`, and reports p50/p99/max of all
// calls and the p99 over the queries of each query's median time (query_p99_ns: without
// the scheduler's noise) as counters (ns).
template <typename Fn>
void RunTimed(benchmark::State& state, const std::vector<std::string>& queries, Fn&& fn) {
  if (queries.empty()) {
    state.SkipWithError("queries not found: run from the repository root");
    return;
  }
  constexpr std::size_t kMaxSamplesPerQuery = 4096;
  std::vector<std::vector<double>> per_query(queries.size());
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::size_t q = i++ % queries.size();
    const auto start = std::chrono::steady_clock::now();
    fn(queries[q]);
    const auto stop = std::chrono::steady_clock::now();
    if (per_query[q].size() < kMaxSamplesPerQuery) {
      per_query[q].push_back(std::chrono::duration<double, std::nano>(stop - start).count());
    }
    bytes += queries[q].size();
  }
  std::vector<double> nanos;
  std::vector<double> medians;
  for (std::vector<double>& samples : per_query) {
    if (samples.empty()) {
      continue;
    }
    nanos.insert(nanos.end(), samples.begin(), samples.end());
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    medians.push_back(*middle);
  }
  std::sort(nanos.begin(), nanos.end());
  std::sort(medians.begin(), medians.end());
  const auto at = [](const std::vector<double>& sorted, double q) {
    return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
  };
  state.counters["p50_ns"] = at(nanos, 0.50);
  state.counters["p99_ns"] = at(nanos, 0.99);
  state.counters["max_ns"] = nanos.back();
  state.counters["query_p99_ns"] = at(medians, 0.99);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void RunClassify(benchmark::State& state, const std::vector<std::string>& queries) {
  const ComplexityClassifier& classifier = Classifier();
  RunTimed(state, queries, [&classifier](const std::string& query) {
    benchmark::DoNotOptimize(classifier.Classify(query));
  });
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
  RunTimed(state, queries,
           [](const std::string& query) { benchmark::DoNotOptimize(ScanSecurity(query)); });
}

BENCHMARK(BM_ScanSecurity);

// The scanner reads the whole text: long exam prompts are its worst case.
void BM_ScanSecurityComplexityDev(benchmark::State& state) {
  static const std::vector<std::string> queries =
      LoadQueries("../shared/data/complexity/dev.jsonl");
  RunTimed(state, queries,
           [](const std::string& query) { benchmark::DoNotOptimize(ScanSecurity(query)); });
}

BENCHMARK(BM_ScanSecurityComplexityDev);

// The analysis alone (named features and n-grams), without the dot product.
void BM_AnalyzeQueryComplexityDev(benchmark::State& state) {
  static const std::vector<std::string> queries =
      LoadQueries("../shared/data/complexity/dev.jsonl");
  auto analysis = std::make_unique<QueryAnalysis>();
  RunTimed(state, queries, [&analysis](const std::string& query) {
    AnalyzeQuery(query, NgramConfig{}, *analysis);
    benchmark::DoNotOptimize(analysis->char_gram_count);
  });
}

BENCHMARK(BM_AnalyzeQueryComplexityDev);

}  // namespace
}  // namespace amaima::routing
