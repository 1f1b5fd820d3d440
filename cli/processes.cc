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

namespace meshup::cli {

absl::StatusOr<pid_t> Spawn(const ProcessSpec& spec) {
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
  return pid;
}

bool IsRunning(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  const pid_t reaped = waitpid(pid, &status, WNOHANG);
  if (reaped == pid) return false;                  // our child, now gone
  if (reaped == 0) return true;                     // our child, running
  return kill(pid, 0) == 0 || errno == EPERM;       // not our child
}

void Stop(const std::vector<pid_t>& pids, absl::Duration grace) {
  for (pid_t pid : pids) {
    if (IsRunning(pid)) kill(pid, SIGTERM);
  }
  const absl::Time deadline = absl::Now() + grace;
  for (bool any = true; any && absl::Now() < deadline;) {
    any = false;
    for (pid_t pid : pids) any = any || IsRunning(pid);
    if (any) absl::SleepFor(absl::Milliseconds(20));
  }
  for (pid_t pid : pids) {
    if (IsRunning(pid)) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
}

}  // namespace meshup::cli
