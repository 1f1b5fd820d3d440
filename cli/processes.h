// Processes that `meshup up` starts and `meshup down` stops.
//
// Spawn() starts a program in a session of its own (so a Ctrl-C in the
// terminal reaches `meshup up`, which then stops its workloads in order,
// and a detached mesh outlives the command), with stdin from /dev/null and
// stdout and stderr appended to a log file, and extra environment
// variables. It records who the process is: its pid, start time and command
// line. A process is signalled only while all three still match: a pid
// recorded in a state file may belong to an unrelated process by the time
// `meshup down` reads it, and that one is never signalled. Stop() sends
// SIGTERM to every process still as recorded, waits up to `grace` for them
// to exit (reaping children), then SIGKILLs what is left.
#ifndef MESHUP_CLI_PROCESSES_H_
#define MESHUP_CLI_PROCESSES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::cli {

struct ProcessSpec {
  std::string program;
  std::vector<std::pair<std::string, std::string>> env;  // added to this process's
  std::string log_file;
};

// A process as started: enough to tell it from a later one with its pid.
struct StartedProcess {
  pid_t pid = 0;
  uint64_t start_time = 0;   // /proc/<pid>/stat field 22; 0: unknown
  std::string command_line;  // its arguments, separated by spaces
};

absl::StatusOr<StartedProcess> Spawn(const ProcessSpec& spec);

// OkStatus while `process` runs as recorded; otherwise NotFoundError saying
// why not: it exited, or its pid is now another process's, or nothing was
// recorded to tell (then it is not signalled either). A child that exited
// is reaped here.
absl::Status CheckRunning(const StartedProcess& process);
inline bool IsRunning(const StartedProcess& process) { return CheckRunning(process).ok(); }

struct StopResult {
  std::vector<pid_t> stopped;  // signalled and gone
  // Each process that was not signalled (its pid), and why not.
  std::vector<std::pair<pid_t, std::string>> not_signalled;
};

StopResult Stop(const std::vector<StartedProcess>& processes, absl::Duration grace);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_PROCESSES_H_
