#include "amaima/routing/training/routing_eval.h"

#include <algorithm>
#include <cmath>

#include "amaima/core/check.h"

namespace amaima::routing::training {
namespace {

// The q-quantile (0..1) of sorted values with linear interpolation (numpy's default).
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - static_cast<double>(lower));
}

// np.interp(target, qualities, shares) over points sorted by share: the share at which
// the curve reaches `target`, clamped to the curve's ends.
double InterpolateShare(const std::vector<OperatingPoint>& curve, double target) {
  if (target <= curve.front().quality) {
    return curve.front().strong_share;
  }
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const OperatingPoint& a = curve[i - 1];
    const OperatingPoint& b = curve[i];
    if (b.quality >= target) {
      if (b.quality == a.quality) {
        return b.strong_share;
      }
      return a.strong_share
             + (b.strong_share - a.strong_share) * (target - a.quality) / (b.quality - a.quality);
    }
  }
  return curve.back().strong_share;
}

double Mean(const std::vector<double>& values) {
  double total = 0.0;
  for (const double value : values) {
    total += value;
  }
  return total / static_cast<double>(values.size());
}

}  // namespace

RoutingMetrics EvaluateRouting(const std::vector<double>& scores, const std::vector<double>& strong,
                               const std::vector<double>& weak, int bins) {
  AMAIMA_CHECK(!scores.empty() && scores.size() == strong.size() && scores.size() == weak.size()
               && bins > 0);
  RoutingMetrics metrics;
  metrics.items = scores.size();
  metrics.strong_quality = Mean(strong);
  metrics.weak_quality = Mean(weak);
  const double n = static_cast<double>(scores.size());
  const double gap = metrics.strong_quality - metrics.weak_quality;

  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  for (int edge = 0; edge <= bins; ++edge) {
    const double threshold = Quantile(sorted, static_cast<double>(edge) / bins);
    const bool last = edge == bins;
    std::size_t strong_calls = 0;
    double quality = 0.0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const bool to_strong = last ? scores[i] > threshold : scores[i] >= threshold;
      strong_calls += to_strong ? 1 : 0;
      quality += to_strong ? strong[i] : weak[i];
    }
    metrics.curve.push_back(
        OperatingPoint{threshold, static_cast<double>(strong_calls) / n, quality / n});
  }
  std::stable_sort(metrics.curve.begin(), metrics.curve.end(),
                   [](const OperatingPoint& a, const OperatingPoint& b) {
                     return a.strong_share < b.strong_share;
                   });

  double area = 0.0;
  for (std::size_t i = 1; i < metrics.curve.size(); ++i) {
    const OperatingPoint& a = metrics.curve[i - 1];
    const OperatingPoint& b = metrics.curve[i];
    area += (b.strong_share - a.strong_share) * (a.quality + b.quality) / 2.0;
  }
  const double span = metrics.curve.back().strong_share - metrics.curve.front().strong_share;
  if (gap != 0.0 && span > 0.0) {
    metrics.apgr = (area - metrics.weak_quality * span) / (gap * span);
  }
  metrics.cpt20 = InterpolateShare(metrics.curve, metrics.weak_quality + 0.2 * gap);
  metrics.cpt50 = InterpolateShare(metrics.curve, metrics.weak_quality + 0.5 * gap);
  metrics.cpt80 = InterpolateShare(metrics.curve, metrics.weak_quality + 0.8 * gap);
  const double target = 0.95 * metrics.strong_quality;
  metrics.share_for_95 = InterpolateShare(metrics.curve, target);
  metrics.random_share_for_95 =
      gap > 0.0 ? std::clamp((target - metrics.weak_quality) / gap, 0.0, 1.0) : 0.0;
  return metrics;
}

double ThresholdForShare(std::vector<double> scores, double share) {
  if (scores.empty()) {
    return 0.5;
  }
  std::sort(scores.begin(), scores.end());
  return Quantile(scores, std::clamp(1.0 - share, 0.0, 1.0));
}

}  // namespace amaima::routing::training
