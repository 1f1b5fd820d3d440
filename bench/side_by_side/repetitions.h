// How the side-by-side run orders its arms and combines its repetitions.
//
// Each repetition runs every arm once. The order rotates by one arm per
// repetition, so that no arm always runs first or always follows the same
// arm; with as many repetitions as arms, each arm runs once in each place.
// Arm-against-arm figures (added latency, added CPU, throughput ratios) are
// taken per repetition, from two runs minutes apart, and the median of
// those is reported: a machine that slows down or speeds up between
// repetitions moves both runs of a pair, not the comparison. Each such
// median comes with a 95% confidence interval (MedianDifferenceInterval):
// it tells whether a run resolves a target at all on the machine at hand.
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_

#include <cstddef>
#include <optional>
#include <vector>

namespace meshup::bench {

// The arm indices in the order repetition `repetition` (1-based) runs them:
// 0..count-1 rotated left by repetition - 1.
std::vector<size_t> RotatedOrder(int repetition, size_t count);

// The median; the mean of the two middle values for an even count; 0 for none.
double Median(std::vector<double> values);

// The median over repetitions of a[i] - b[i] (paired by index, that is by
// repetition); pairs beyond the shorter vector are ignored.
double MedianDifference(const std::vector<double>& a, const std::vector<double>& b);

// A distribution-free confidence interval of at least 95% for the median
// of the paired differences a[i] - b[i]: the k-th smallest and k-th largest
// difference, k the largest count with P(Binomial(n, 1/2) < k) <= 2.5%
// (the sign test's interval). No assumption about how the differences are
// spread, and the same figures always give the same interval. nullopt for
// fewer than 6 pairs, which cannot bound the median at 95%.
struct Interval {
  double low = 0;
  double high = 0;
};
std::optional<Interval> MedianDifferenceInterval(const std::vector<double>& a,
                                                 const std::vector<double>& b);

// The median over repetitions of a[i] / b[i], skipping pairs where b[i] is 0.
double MedianRatio(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_
