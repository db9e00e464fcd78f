// SHA-256 of an API key secret, as hashed on every authenticated request: Sha256() against
// OpenSSL's one-shot EVP_Digest() (the baseline, which looks the algorithm up and allocates
// a context per call) in the same run. Run: build/release/test/bench/hashing_benchmark
#include <benchmark/benchmark.h>

#include <string>

#include <openssl/evp.h>

#include "amaima/core/hashing.h"

namespace amaima {
namespace {

const std::string kSecret = "amk_gateway-benchmark-key-0123456789";

void BM_EvpDigestBaseline(benchmark::State& state) {
  for (auto _ : state) {
    Sha256Digest digest{};
    unsigned int length = 0;
    EVP_Digest(kSecret.data(), kSecret.size(), digest.data(), &length, EVP_sha256(), nullptr);
    benchmark::DoNotOptimize(digest);
  }
}

BENCHMARK(BM_EvpDigestBaseline)->ThreadRange(1, 2);

void BM_Sha256(benchmark::State& state) {
  for (auto _ : state) {
    Sha256Digest digest = Sha256(kSecret);
    benchmark::DoNotOptimize(digest);
  }
}

BENCHMARK(BM_Sha256)->ThreadRange(1, 2);

}  // namespace
}  // namespace amaima

BENCHMARK_MAIN();
