#include "supervisor.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace meshup::cli {

std::string DescribeWaitStatus(int wait_status) {
  if (wait_status >= 0 && WIFEXITED(wait_status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  }
  if (wait_status >= 0 && WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    return absl::StrCat("was killed by signal ", signal, " (", strsignal(signal), ")");
  }
  return "is gone";
}

Supervisor::Supervisor(SupervisedProcesses& processes, const internal::Clock& clock,
                       RestartPolicy policy)
    : processes_(processes), clock_(clock), policy_(policy) {
  Workload workload;
  workload.started = clock_.Now();
  workload.backoff = policy_.initial_backoff;
  workloads_.assign(processes_.size(), workload);
}

absl::Duration Supervisor::ScheduleRestart(Workload& workload, absl::Time now) {
  if (now - workload.started >= policy_.stable_run) workload.backoff = policy_.initial_backoff;
  const absl::Duration wait = workload.backoff;
  workload.backoff = std::min(workload.backoff * 2, policy_.max_backoff);
  workload.running = false;
  workload.restart_at = now + wait;
  return wait;
}

std::vector<std::string> Supervisor::Tick() {
  std::vector<std::string> lines;
  auto when = [](absl::Duration wait, absl::Time at) {
    return absl::StrCat("in ", absl::FormatDuration(wait), " (at ",
                        absl::FormatTime("%H:%M:%S", at, absl::LocalTimeZone()), ")");
  };
  for (size_t i = 0; i < workloads_.size(); ++i) {
    Workload& workload = workloads_[i];
    const absl::Time now = clock_.Now();
    if (workload.running) {
      const pid_t pid = processes_.Pid(i);
      const std::optional<int> exit = processes_.PollExit(i);
      if (!exit.has_value()) continue;
      const absl::Duration wait = ScheduleRestart(workload, now);
      const std::string log = processes_.LogFile(i);
      lines.push_back(absl::StrCat(
          processes_.Name(i), " (pid ", pid, ") ", DescribeWaitStatus(*exit), "; restarting it ",
          when(wait, workload.restart_at), log.empty() ? "" : absl::StrCat("; see ", log)));
      continue;
    }
    if (now < workload.restart_at) continue;
    const absl::Status restarted = processes_.Restart(i);
    if (!restarted.ok()) {
      workload.started = now;
      const absl::Duration wait = ScheduleRestart(workload, now);
      lines.push_back(absl::StrCat("cannot restart ", processes_.Name(i), ": ", restarted.message(),
                                   "; trying again ", when(wait, workload.restart_at)));
      continue;
    }
    workload.running = true;
    workload.started = now;
    ++workload.restarts;
    lines.push_back(absl::StrCat("restarted ", processes_.Name(i), " as pid ", processes_.Pid(i),
                                 " (restart ", workload.restarts, ")"));
  }
  return lines;
}

absl::Time Supervisor::NextRestart() const {
  absl::Time next = absl::InfiniteFuture();
  for (const Workload& workload : workloads_) {
    if (!workload.running) next = std::min(next, workload.restart_at);
  }
  return next;
}

}  // namespace meshup::cli
