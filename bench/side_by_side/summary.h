// The side-by-side result: per arm, the max throughput (closed loop, the
// best concurrency level's median over repetitions), the median over
// repetitions of CPU per call at the fixed rate, the latency percentiles
// at the fixed rate over every window's calls, the peak memory of each
// process, the ratios of arm 4 to arms 2 and 5, and each performance target
// with PASS or MISS, judged on the median of per-repetition comparisons
// (repetitions.h). As JSON and markdown.
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_SUMMARY_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_SUMMARY_H_

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "side_by_side/arms.h"
#include "side_by_side/proc_stats.h"

namespace meshup::bench {

struct ArmRuns {
  Arm arm;
  // Closed loop: per repetition, one window per concurrency level (in the
  // same order in every repetition).
  std::vector<ArmRun> closed;
  std::vector<ArmRun> open;  // one window per repetition (its slices merged)
};

// An arm's max throughput: at the concurrency level whose median
// throughput over repetitions is the highest.
struct Level {
  int concurrency = 0;
  double throughput = 0;      // the median over repetitions
  std::vector<ArmRun> runs;   // that level's windows, one per repetition
};
Level BestLevel(const ArmRuns& runs);

struct Setup {
  MachineInfo machine;
  std::string load_before, load_after;  // /proc/loadavg
  std::string started;                  // UTC
  int repetitions = 0;
  LoadSpec closed, open;  // open: the whole of an arm's fixed-rate window
  int rate_slices = 1;     // the slices that window is taken in (slices.h)
  std::vector<int> concurrencies;  // closed-loop levels
  int nginx_workers = 1;
  int endpoints_per_subset = 2;
  std::string command;
};

struct Target {
  std::string name;
  std::string measured;
  bool pass = false;
};

struct Summary {
  nlohmann::json json;
  std::string markdown;
  std::vector<Target> targets;  // empty unless arms 1, 2, 4 and 5 all ran
};

Summary Summarize(const Setup& setup, const std::vector<ArmRuns>& arms);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_SUMMARY_H_
