#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace amaima::routing::training {

// One operating point of a router: the share of queries sent to the strong model and
// the mean quality of the answers served.
struct OperatingPoint {
  double threshold{0.0};
  double strong_share{0.0};  // 0..1
  double quality{0.0};
};

// RouteLLM's metrics of one router on one benchmark. Shares are fractions (0..1).
struct RoutingMetrics {
  std::size_t items{0};
  double strong_quality{0.0};  // every query to the strong model
  double weak_quality{0.0};    // every query to the weak model
  double apgr{0.0};            // average performance gap recovered (area under PGR)
  double cpt20{0.0};           // strong share needed to recover 20 % of the gap
  double cpt50{0.0};
  double cpt80{0.0};
  double share_for_95{0.0};         // strong share needed for 95 % of strong quality
  double random_share_for_95{0.0};  // the same for a random router (analytic)
  std::vector<OperatingPoint> curve{};
};

// Evaluates a router that sends query i to the strong model when scores[i] reaches a
// threshold, exactly as RouteLLM's evaluate.py does: the thresholds are the `bins` + 1
// quantile edges of the scores (pandas qcut: linear interpolation); at every edge but
// the last a query goes strong when its score is >= the edge, at the last when it is >;
// quality is the mean of strong[i] or weak[i] as routed. APGR is the trapezoidal area
// under the curve, normalised between the weak and strong lines; CPT(x) and the 95 %
// share interpolate linearly on the curve (np.interp over the points sorted by share).
// scores, strong and weak must have the same, non-zero size.
RoutingMetrics EvaluateRouting(const std::vector<double>& scores, const std::vector<double>& strong,
                               const std::vector<double>& weak, int bins = 10);

// Returns the threshold t such that sending the queries with score >= t to the strong
// model sends about `share` (0..1) of `scores` there: the (1 - share) quantile. An
// empty `scores` gives 0.5.
double ThresholdForShare(std::vector<double> scores, double share);

}  // namespace amaima::routing::training
