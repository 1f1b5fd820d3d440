#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace meshup::testing {

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const std::vector<std::string>& argv,
                                                              const Options& options) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return absl::InternalError(strerror(errno));
  int input_fds[2] = {-1, -1};
  if (options.stdin_pipe && pipe2(input_fds, O_CLOEXEC) != 0) {
    const int error = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(strerror(error));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    for (int fd : {pipe_fds[0], pipe_fds[1], input_fds[0], input_fds[1]}) {
      if (fd >= 0) close(fd);
    }
    return absl::InternalError(strerror(error));
  }
  if (pid == 0) {
    // A test killed before its destructors run (a ctest timeout, a crash)
    // takes its servers with it. The signal follows the forking thread's
    // exit, so processes are started from the test's main thread; the
    // getppid() check covers a parent that died before prctl().
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (input_fds[0] >= 0) dup2(input_fds[0], STDIN_FILENO);  // dup2 clears O_CLOEXEC
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (input_fds[0] >= 0) close(input_fds[0]);
  return std::unique_ptr<Subprocess>(new Subprocess(pid, pipe_fds[0], input_fds[1]));
}

Subprocess::~Subprocess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(stdout_fd_);
  if (stdin_fd_ >= 0) close(stdin_fd_);
}

absl::Status Subprocess::WriteLine(const std::string& line) {
  if (stdin_fd_ < 0) return absl::FailedPreconditionError("started without a stdin pipe");
  const std::string text = line + "\n";
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(stdin_fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot write to the process: ", strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Subprocess::WaitForLine(const std::string& prefix,
                                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    size_t newline;
    while ((newline = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("no line starting with '", prefix, "'"));
    }
    pollfd fd = {stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0) return absl::UnavailableError("the process closed its output");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<int> Subprocess::Stop(int signal, absl::Duration timeout) {
  if (reaped_) return absl::FailedPreconditionError("already stopped");
  // A child reading its stdin pipe sees it end, as well as the signal.
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (std::optional<int> status = ExitStatus()) return *status;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat("pid ", pid_, " did not exit in time"));
}

std::optional<int> Subprocess::ExitStatus() {
  if (!reaped_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    reaped_ = true;
    exit_status_ = status;
  }
  return exit_status_;
}

}  // namespace meshup::testing
