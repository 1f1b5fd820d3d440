// One arm's fixed-rate window taken as several short slices, interleaved
// with the other arms' slices, and put back together.
//
// The fixed-rate targets compare arms by a few microseconds, and a shared
// machine stalls or slows for seconds at a time. A 6 s window per arm puts
// a stall on whichever arms ran during it; slices of 1.5 s taken in turn
// (arm A, B, C, A, B, C, ...) spread it over every arm of the repetition.
// MergeSlices() makes the slices of one arm in one repetition a single run:
// their calls and latencies together, each process's CPU summed.
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_SLICES_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_SLICES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "side_by_side/arms.h"

namespace meshup::bench {

// The slices of one arm's window, taken from the same processes, as one
// run: calls and window lengths summed, throughput over the summed window,
// latencies from the merged histograms, each process's CPU seconds summed
// and its peak RSS the highest, CPU per call over every slice's calls.
// An error names what does not fit: no slice, a slice without its
// latency histogram, or slices whose loops or processes differ.
absl::StatusOr<ArmRun> MergeSlices(const std::vector<ArmRun>& slices);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_SLICES_H_
