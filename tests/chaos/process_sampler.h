// What /proc/PID/status says of a process (resident memory, its high-water
// mark, threads), read once or sampled on a thread while an attack runs:
//
//   ProcessSampler sampler(pid);          // samples every 10 ms from now
//   ... attack ...
//   ProcessStatus peak = sampler.Stop();  // the largest of each figure seen
#ifndef MESHUP_TESTS_CHAOS_PROCESS_SAMPLER_H_
#define MESHUP_TESTS_CHAOS_PROCESS_SAMPLER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::chaos {

struct ProcessStatus {
  int64_t rss_kib = 0;  // VmRSS
  int64_t hwm_kib = 0;  // VmHWM: the most VmRSS ever was
  int64_t threads = 0;  // Threads
};

// Process `pid`'s status now; an error when it is gone.
absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid);

// The machine's load average line (/proc/loadavg), e.g. "1.52 1.80 1.91".
std::string LoadAverage();

class ProcessSampler {
 public:
  explicit ProcessSampler(pid_t pid, absl::Duration every = absl::Milliseconds(10));
  // Stops sampling (joins).
  ~ProcessSampler();
  ProcessSampler(const ProcessSampler&) = delete;
  ProcessSampler& operator=(const ProcessSampler&) = delete;

  // Stops sampling; returns the largest RSS, high-water mark and thread
  // count seen (one final sample included).
  ProcessStatus Stop();
  int samples() const { return samples_.load(); }

 private:
  void Sample();

  const pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<int> samples_{0};
  std::mutex mu_;
  ProcessStatus peak_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_PROCESS_SAMPLER_H_
