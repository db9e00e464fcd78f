#include "amaima/routing/portable_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace amaima::routing {
namespace {

// Distance in units in the last place between two finite doubles of the same sign.
std::int64_t UlpDistance(double a, double b) {
  const auto ia = std::bit_cast<std::int64_t>(a);
  const auto ib = std::bit_cast<std::int64_t>(b);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(PortableMathTest, ExpAgreesWithTheCLibraryToAFewUlps) {
  std::int64_t worst = 0;
  for (double x = -700.0; x <= 700.0; x += 0.01234567) {
    worst = std::max(worst, UlpDistance(PortableExp(x), std::exp(x)));
  }
  for (double x = -1e-6; x <= 1e-6; x += 1.3e-9) {
    worst = std::max(worst, UlpDistance(PortableExp(x), std::exp(x)));
  }
  EXPECT_LE(worst, 4);
}

TEST(PortableMathTest, ExpHandlesTheEdges) {
  EXPECT_EQ(PortableExp(0.0), 1.0);
  EXPECT_EQ(PortableExp(1000.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(PortableExp(-1000.0), 0.0);
  EXPECT_TRUE(std::isnan(PortableExp(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_GT(PortableExp(-744.0), 0.0);  // subnormal, not flushed
  EXPECT_LE(UlpDistance(PortableExp(709.0), std::exp(709.0)), 4);
}

TEST(PortableMathTest, Log1pAgreesWithTheCLibraryToAFewUlps) {
  std::int64_t worst = 0;
  for (double x = 0.0; x <= 1e7; x = x * 1.0137 + 0.25) {
    worst = std::max(worst, UlpDistance(PortableLog1p(x), std::log1p(x)));
  }
  for (double x = -0.999; x < 0.0; x += 0.000777) {
    worst = std::max(worst, UlpDistance(PortableLog1p(x), std::log1p(x)));
  }
  for (double x = 1e-300; x < 1e-3; x *= 3.7) {  // tiny arguments keep their precision
    worst = std::max(worst, UlpDistance(PortableLog1p(x), std::log1p(x)));
  }
  EXPECT_LE(worst, 4);
}

TEST(PortableMathTest, Log1pHandlesTheEdges) {
  EXPECT_EQ(PortableLog1p(0.0), 0.0);
  EXPECT_EQ(PortableLog1p(-1.0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(PortableLog1p(-2.0)));
  EXPECT_EQ(PortableLog1p(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
}

// The exact bits, pinned: the same on every machine and compiler (no FMA contraction, no
// C library involved). A change here changes every trained model and every score.
TEST(PortableMathTest, ResultsAreTheSameBitsEverywhere) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&hash](double value) {
    hash = (hash ^ std::bit_cast<std::uint64_t>(value)) * 1099511628211ULL;
  };
  for (int i = 0; i < 100000; ++i) {
    const double x = -40.0 + i * 0.0008123;
    mix(PortableExp(x));
    mix(PortableLog1p(static_cast<double>(i)));
    mix(PortableLog1p(x + 41.0));
  }
  EXPECT_EQ(hash, 0xf676b93750d60403ULL) << std::hex << hash;
}

}  // namespace
}  // namespace amaima::routing
