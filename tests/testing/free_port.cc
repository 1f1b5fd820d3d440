#include "free_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace meshup::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string LogTail(const std::string& path, int lines) {
  std::ifstream file(path);
  if (!file) return absl::StrCat("(no ", path, ")");
  std::deque<std::string> last;
  for (std::string line; std::getline(file, line);) {
    last.push_back(std::move(line));
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  return absl::StrJoin(last, "\n");
}

absl::Status WaitUntilAnswering(Subprocess& process, absl::FunctionRef<bool()> answers,
                                absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(50))) {
    if (answers()) return absl::OkStatus();
    if (std::optional<int> status = process.ExitStatus()) {
      return absl::UnavailableError(
          absl::StrCat("exited (wait status ", *status, ") before answering"));
    }
  }
  return absl::DeadlineExceededError(
      absl::StrCat("did not answer within ", absl::FormatDuration(timeout)));
}

absl::StatusOr<ServerOnPort> StartOnFreePort(
    absl::FunctionRef<std::vector<std::string>(int port)> argv,
    absl::FunctionRef<bool(int port)> answers, const std::string& log, absl::Duration timeout) {
  constexpr int kAttempts = 3;
  absl::Status status;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    ServerOnPort server;
    server.port = FreePort();
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(argv(server.port));
    if (!process.ok()) return process.status();
    server.process = *std::move(process);
    const absl::Status up = WaitUntilAnswering(
        *server.process, [&] { return answers(server.port); }, timeout);
    if (up.ok()) return server;
    const std::string what =
        absl::IsUnavailable(up)
            ? absl::StrCat("the server for port ", server.port, " ", up.message())
            : absl::StrCat("nothing answered on port ", server.port, ": ", up.message());
    status = absl::Status(up.code(), absl::StrCat(what, "; the end of ", log, ":\n", LogTail(log)));
    if (!absl::IsUnavailable(up)) break;
  }
  return status;
}

}  // namespace meshup::testing
