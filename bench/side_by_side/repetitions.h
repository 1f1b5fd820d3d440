// How the side-by-side run orders its arms and combines its repetitions.
//
// Each repetition runs every arm once. The order rotates by one arm per
// repetition, so that no arm always runs first or always follows the same
// arm; with as many repetitions as arms, each arm runs once in each place.
// Arm-against-arm figures (added latency, added CPU, throughput ratios) are
// taken per repetition, from two runs minutes apart, and the median of
// those is reported: a machine that slows down or speeds up between
// repetitions moves both runs of a pair, not the comparison.
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_

#include <cstddef>
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

// The median over repetitions of a[i] / b[i], skipping pairs where b[i] is 0.
double MedianRatio(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_REPETITIONS_H_
