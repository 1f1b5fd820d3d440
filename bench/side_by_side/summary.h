// The side-by-side result: per arm, the medians over repetitions of max
// throughput (closed loop) and of CPU per call at the fixed rate, the
// latency percentiles at the fixed rate over every window's calls, the peak
// memory of each process, the ratios of arm 4 to arms 2 and
// 5, and each target of issue 8 with PASS or MISS, judged on the median of
// per-repetition comparisons (repetitions.h). As JSON and markdown.
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
  std::vector<ArmRun> closed;  // one window per repetition
  std::vector<ArmRun> open;
};

struct Setup {
  MachineInfo machine;
  std::string load_before, load_after;  // /proc/loadavg
  std::string started;                  // UTC
  int repetitions = 0;
  LoadSpec closed, open;
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
