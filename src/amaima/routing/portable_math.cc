#include "amaima/routing/portable_math.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

// This file is compiled with -ffp-contract=off: a fused multiply-add would change results.
namespace amaima::routing {
namespace {

// ln 2 split so that k * kLn2High is exact for |k| < 2^20 (its low 32 bits are zero).
constexpr double kLn2High = 6.93147180369123816490e-01;
constexpr double kLn2Low = 1.90821492927058770002e-10;
constexpr double kLog2E = 1.44269504088896338700e+00;
constexpr double kSqrtHalf = 0.70710678118654752440;

// 1/n! for n = 0 .. 13: the Taylor series of exp(r) for |r| <= ln(2)/2 to below 2^-60.
constexpr std::array<double, 14> kExpCoefficients = [] {
  std::array<double, 14> c{};
  double factorial = 1.0;
  for (std::size_t n = 0; n < c.size(); ++n) {
    factorial *= n == 0 ? 1.0 : static_cast<double>(n);
    c[n] = 1.0 / factorial;
  }
  return c;
}();

// 1/(2n+1) for n = 0 .. 11: log(m) = 2s(1 + s²/3 + s⁴/5 + ...) with s = (m-1)/(m+1),
// |s| <= 0.1716 for m in [sqrt(1/2), sqrt(2)).
constexpr std::array<double, 12> kLogCoefficients = [] {
  std::array<double, 12> c{};
  for (std::size_t n = 0; n < c.size(); ++n) {
    c[n] = 1.0 / static_cast<double>(2 * n + 1);
  }
  return c;
}();

// log(u) for a finite u > 0.
double Log(double u) {
  int exponent = 0;
  double m = std::frexp(u, &exponent);  // u = m * 2^exponent, m in [0.5, 1)
  if (m < kSqrtHalf) {
    m *= 2.0;
    --exponent;
  }
  const double f = m - 1.0;  // exact
  const double s = f / (2.0 + f);
  const double z = s * s;
  double series = kLogCoefficients.back();
  for (std::size_t n = kLogCoefficients.size() - 1; n-- > 0;) {
    series = series * z + kLogCoefficients[n];
  }
  const double k = static_cast<double>(exponent);
  return k * kLn2High + (k * kLn2Low + 2.0 * s * series);
}

}  // namespace

double PortableExp(double x) {
  if (std::isnan(x)) {
    return x;
  }
  if (x > 709.78) {
    return std::numeric_limits<double>::infinity();
  }
  if (x < -745.2) {
    return 0.0;
  }
  const double k = std::floor(x * kLog2E + 0.5);
  const double r = (x - k * kLn2High) - k * kLn2Low;
  double result = kExpCoefficients.back();
  for (std::size_t n = kExpCoefficients.size() - 1; n-- > 0;) {
    result = result * r + kExpCoefficients[n];
  }
  return std::ldexp(result, static_cast<int>(k));
}

double PortableLog1p(double x) {
  if (std::isnan(x) || x < -1.0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (x == -1.0) {
    return -std::numeric_limits<double>::infinity();
  }
  if (std::isinf(x)) {
    return x;
  }
  const double u = 1.0 + x;
  if (u == 1.0) {
    return x;
  }
  // log(u) * x / (u - 1) corrects the rounding of 1 + x (Goldberg's method).
  return Log(u) * (x / (u - 1.0));
}

}  // namespace amaima::routing
