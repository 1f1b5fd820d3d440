// Keeps the workloads of a foreground `meshup up` running, as Kubernetes'
// restartPolicy Always does a pod's containers.
//
// Tick() looks at every workload once. A workload whose process exited (for
// whatever reason: a crash, kill -9, even status 0) is started again after a
// back-off: RestartPolicy::initial_backoff (1 s) after its first exit,
// doubling after each exit that follows a short run, up to max_backoff
// (30 s); a run of stable_run (60 s) or longer sets it back to 1 s. A start
// that fails counts as a short run. Tick() returns a line for each thing it
// saw or did (which workload, how it ended, when it starts again, its new
// process), for `meshup up` to print.
//
// The clock and the processes are injected (SupervisedProcesses), so that a
// test drives exits and reads the restart schedule without sleeping.
// Not thread-safe: one thread ticks.
#ifndef MESHUP_CLI_SUPERVISOR_H_
#define MESHUP_CLI_SUPERVISOR_H_

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "util/clock.h"

namespace meshup::cli {

struct RestartPolicy {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration stable_run = absl::Seconds(60);  // a run this long resets the back-off
};

// The workloads a Supervisor watches, by index (0 to size() - 1).
class SupervisedProcesses {
 public:
  virtual ~SupervisedProcesses() = default;
  virtual size_t size() const = 0;
  // Workload `index`: its name ("reviews v2"), its current process, its log
  // file (empty if none).
  virtual std::string Name(size_t index) const = 0;
  virtual pid_t Pid(size_t index) const = 0;
  virtual std::string LogFile(size_t index) const = 0;
  // The wait status (waitpid(2)) of workload `index`'s process once it has
  // exited, reaping it; -1 when it is gone but its status is unknown;
  // nullopt while it runs. Reports each exit once.
  virtual std::optional<int> PollExit(size_t index) = 0;
  // Starts workload `index` again, as it was started first.
  virtual absl::Status Restart(size_t index) = 0;
};

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

class Supervisor {
 public:
  // Every workload runs, started now.
  Supervisor(SupervisedProcesses& processes, const internal::Clock& clock,
             RestartPolicy policy = RestartPolicy());

  // Notes the exits since the last tick and restarts the workloads whose
  // back-off has passed. Returns the lines to report.
  std::vector<std::string> Tick();

  // When the earliest pending restart is due; InfiniteFuture() when none is.
  absl::Time NextRestart() const;

  // Times workload `index` was started again (successfully).
  int restarts(size_t index) const { return workloads_[index].restarts; }

 private:
  struct Workload {
    bool running = true;
    absl::Time started;      // while running
    absl::Time restart_at;   // while not running
    absl::Duration backoff;  // the wait after the next exit of a short run
    int restarts = 0;
  };

  // Schedules the restart of a workload that stopped running at `now` after
  // starting at `started`.
  absl::Duration ScheduleRestart(Workload& workload, absl::Time now);

  SupervisedProcesses& processes_;
  const internal::Clock& clock_;
  const RestartPolicy policy_;
  std::vector<Workload> workloads_;
};

}  // namespace meshup::cli

#endif  // MESHUP_CLI_SUPERVISOR_H_
