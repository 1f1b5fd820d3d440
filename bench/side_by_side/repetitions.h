// How the side-by-side run orders its arms and combines its repetitions.
//
// Each repetition runs every arm once, in a balanced order (a Williams
// design): over a cycle of repetitions, each arm runs equally often in each
// place and follows every other arm equally often. An arm's window can be
// touched by what the arm before it left behind (threads winding down, caches
// and the scheduler's state): a fixed neighbour would bias one arm against
// another, a balanced one spreads that over every arm alike.
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

// The arm indices in the order repetition `repetition` (1-based) runs them.
// The orders repeat every BalancedCycle(count) repetitions; within a cycle,
// each index is in each place equally often and each ordered pair (a, b),
// a != b, has b right after a equally often. Repetition 1 starts with 0.
std::vector<size_t> BalancedOrder(int repetition, size_t count);

// Repetitions per cycle of BalancedOrder: count for an even count, twice
// count for an odd one (1 for 0 or 1 arm).
int BalancedCycle(size_t count);

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
