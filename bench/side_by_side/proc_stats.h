// What /proc says about a process: CPU time (utime + stime of all its
// threads, /proc/<pid>/stat), peak resident memory (VmHWM, /proc/<pid>/status),
// its children (nginx's workers), and the machine (/proc/cpuinfo, loadavg).
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_PROC_STATS_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_PROC_STATS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meshup::bench {

// CPU seconds the process has used so far (user + system).
absl::StatusOr<double> CpuSeconds(pid_t pid);
// Peak resident set size in KiB.
absl::StatusOr<int64_t> PeakRssKib(pid_t pid);
// Processes whose parent is `pid`.
std::vector<pid_t> ChildrenOf(pid_t pid);

struct MachineInfo {
  std::string cpu_model;
  int cpus = 0;  // online, as nproc says
  std::string kernel;
  int64_t memory_kib = 0;
};
MachineInfo DescribeMachine();
// The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them.
std::string LoadAverage();

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_PROC_STATS_H_
