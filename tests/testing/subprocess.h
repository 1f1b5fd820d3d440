// Test helper: a child process that is always cleaned up. The destructor
// sends SIGKILL if the child still runs and reaps it, so a failing test
// leaves nothing behind.
#ifndef MESHUP_TESTS_TESTING_SUBPROCESS_H_
#define MESHUP_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::testing {

class Subprocess {
 public:
  struct Options {
    // Give the child a pipe for stdin, written by WriteLine(); otherwise
    // stdin is inherited.
    bool stdin_pipe = false;
  };

  // Starts `argv` with stdout on a pipe; stderr is inherited. The process
  // gets SIGKILL when the thread that started it exits: start processes
  // from the test's main thread.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                           const Options& options);
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv) {
    return Start(argv, Options());
  }
  ~Subprocess();

  // Reads stdout until a line starting with `prefix`; returns the rest of it.
  absl::StatusOr<std::string> WaitForLine(const std::string& prefix, absl::Duration timeout);
  // Writes `line` and a newline to the child's stdin (Options::stdin_pipe).
  absl::Status WriteLine(const std::string& line);
  // Closes the child's stdin pipe (if any), sends `signal` and waits
  // (bounded) for the child to exit; returns its wait status, or an error
  // when it did not exit in time.
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  // The wait status if the child has exited (reaping it), without waiting;
  // nullopt while it runs.
  std::optional<int> ExitStatus();
  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int stdout_fd, int stdin_fd)
      : pid_(pid), stdout_fd_(stdout_fd), stdin_fd_(stdin_fd) {}
  pid_t pid_;
  int stdout_fd_;
  int stdin_fd_;  // -1 without Options::stdin_pipe
  bool reaped_ = false;
  int exit_status_ = 0;  // once reaped_
  std::string buffer_;
};

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_SUBPROCESS_H_
