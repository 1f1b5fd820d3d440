// Processes that `meshup up` starts and `meshup down` stops.
//
// Spawn() starts a program in a session of its own (so a Ctrl-C in the
// terminal reaches `meshup up`, which then stops its workloads in order,
// and a detached mesh outlives the command), with stdin from /dev/null and
// stdout and stderr appended to a log file, and extra environment
// variables. Stop() sends SIGTERM to every process, waits up to `grace` for
// them to exit (reaping children), then SIGKILLs what is left.
#ifndef MESHUP_CLI_PROCESSES_H_
#define MESHUP_CLI_PROCESSES_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::cli {

struct ProcessSpec {
  std::string program;
  std::vector<std::pair<std::string, std::string>> env;  // added to this process's
  std::string log_file;
};

absl::StatusOr<pid_t> Spawn(const ProcessSpec& spec);

// Whether `pid` still runs (a child that exited is reaped here).
bool IsRunning(pid_t pid);

void Stop(const std::vector<pid_t>& pids, absl::Duration grace);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_PROCESSES_H_
