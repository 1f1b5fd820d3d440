// Test helper: servers that cannot be told to bind port 0 (etcd, Prometheus,
// chromedriver) get a port picked by FreePort(). The port is free when
// picked, but another process can bind it before the server does; such a
// server exits at once, and StartOnFreePort() starts it again on a fresh
// port instead of waiting on a dead process.
#ifndef MESHUP_TESTS_TESTING_FREE_PORT_H_
#define MESHUP_TESTS_TESTING_FREE_PORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "subprocess.h"

namespace meshup::testing {

// A free TCP port on 127.0.0.1 (bound, then released).
int FreePort();

// The last `lines` lines of the file at `path`, for error messages.
std::string LogTail(const std::string& path, int lines = 5);

// Waits, within `timeout`, until `answers()` holds while `process` runs:
// OK then, Unavailable (with the wait status) when the process exits first,
// DeadlineExceeded when the time runs out.
absl::Status WaitUntilAnswering(Subprocess& process, absl::FunctionRef<bool()> answers,
                                absl::Duration timeout);

struct ServerOnPort {
  std::unique_ptr<Subprocess> process;
  int port = 0;
};

// Starts `argv(port)` on a FreePort() and waits until `answers(port)`
// holds, within `timeout` per attempt. A server that exits first is
// started again on another port, up to 3 times. Errors name the port and
// end with the tail of `log`, where the server writes.
absl::StatusOr<ServerOnPort> StartOnFreePort(
    absl::FunctionRef<std::vector<std::string>(int port)> argv,
    absl::FunctionRef<bool(int port)> answers, const std::string& log, absl::Duration timeout);

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_FREE_PORT_H_
