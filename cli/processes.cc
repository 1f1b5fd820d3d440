#include "processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "util/process_identity.h"

namespace meshup::cli {

absl::StatusOr<StartedProcess> Spawn(const ProcessSpec& spec) {
  if (access(spec.program.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat(spec.program, ": not an executable file (", std::strerror(errno), ")"));
  }
  const int log = open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", spec.log_file, ": ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // `meshup up` blocks what it waits for
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    for (const auto& [name, value] : spec.env) setenv(name.c_str(), value.c_str(), 1);
    execl(spec.program.c_str(), spec.program.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(log);
  StartedProcess started;
  started.pid = pid;
  // The start time is the fork's, readable at once (an unreaped child keeps
  // its pid); the command line is what execl() gives it.
  absl::StatusOr<internal::ProcessStatus> status = internal::ReadProcessStatus(pid);
  if (status.ok()) started.start_time = status->start_time;
  started.command_line = spec.program;
  return started;
}

absl::Status CheckRunning(const StartedProcess& process) {
  if (process.pid <= 0) return absl::NotFoundError("no process recorded");
  int wait_status = 0;
  const pid_t reaped = waitpid(process.pid, &wait_status, WNOHANG);
  if (reaped == process.pid) return absl::NotFoundError("the recorded process is gone (it exited)");
  // A child of this process: its pid is not reused before it is reaped (and
  // before its exec it still has this process's command line).
  if (reaped == 0) return absl::OkStatus();
  absl::StatusOr<internal::ProcessStatus> now = internal::ReadProcessStatus(process.pid);
  if (!now.ok() || now->state == 'Z') {
    return absl::NotFoundError("the recorded process is gone (it exited)");
  }
  const std::string command_line = now->command_line.empty() ? "?" : now->command_line;
  if (process.start_time == 0) {
    return absl::NotFoundError(absl::StrCat(
        "no start time was recorded to tell whether pid ", process.pid,
        " is still the process started (it now runs ", command_line, "); stop it yourself if so"));
  }
  // A process that is exiting reads an empty command line before it is a
  // zombie: with its start time, still the process started, not gone yet.
  if (now->start_time == process.start_time && now->command_line.empty()) {
    return absl::OkStatus();
  }
  if (now->start_time != process.start_time || now->command_line != process.command_line) {
    return absl::NotFoundError(absl::StrCat("the recorded process is gone: pid ", process.pid,
                                            " is now another process (", command_line, ")"));
  }
  return absl::OkStatus();
}

StopResult Stop(const std::vector<StartedProcess>& processes, absl::Duration grace) {
  StopResult result;
  std::vector<const StartedProcess*> signalled;
  for (const StartedProcess& process : processes) {
    absl::Status running = CheckRunning(process);
    if (!running.ok()) {
      result.not_signalled.emplace_back(process.pid, std::string(running.message()));
      continue;
    }
    kill(process.pid, SIGTERM);
    signalled.push_back(&process);
  }
  const absl::Time deadline = absl::Now() + grace;
  for (bool any = true; any && absl::Now() < deadline;) {
    any = false;
    for (const StartedProcess* process : signalled) any = any || IsRunning(*process);
    if (any) absl::SleepFor(absl::Milliseconds(20));
  }
  for (const StartedProcess* process : signalled) {
    if (IsRunning(*process)) {
      kill(process->pid, SIGKILL);
      // A child is reaped here; another process's parent reaps it.
      if (waitpid(process->pid, nullptr, 0) != process->pid) {
        for (int i = 0; i < 250 && IsRunning(*process); ++i) absl::SleepFor(absl::Milliseconds(20));
      }
    }
    result.stopped.push_back(process->pid);
  }
  return result;
}

}  // namespace meshup::cli
