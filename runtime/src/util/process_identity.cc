#include "util/process_identity.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/files.h"

namespace meshup::internal {

absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid) {
  if (pid <= 0) return absl::NotFoundError(absl::StrCat("no process ", pid));
  absl::StatusOr<std::string> stat = ReadRegularFile(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!stat.ok()) return absl::NotFoundError(absl::StrCat("no process ", pid));
  // "pid (name) state ppid ...": the name may hold spaces and parentheses.
  const size_t name_end = stat->rfind(')');
  if (name_end == std::string::npos) {
    return absl::DataLossError(absl::StrCat("/proc/", pid, "/stat: unexpected format"));
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(*stat).substr(name_end + 1), ' ', absl::SkipEmpty());
  ProcessStatus status;
  // fields[0] is field 3 (the state); the start time is field 22.
  if (fields.size() < 20 || fields[0].empty() ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[19]), &status.start_time)) {
    return absl::DataLossError(absl::StrCat("/proc/", pid, "/stat: unexpected format"));
  }
  status.state = fields[0][0];
  absl::StatusOr<std::string> command_line =
      ReadRegularFile(absl::StrCat("/proc/", pid, "/cmdline"), 1 << 20);
  if (command_line.ok()) {
    std::string text = *std::move(command_line);
    while (!text.empty() && text.back() == '\0') text.pop_back();
    std::replace(text.begin(), text.end(), '\0', ' ');
    status.command_line = std::move(text);
  }
  return status;
}

ProcessIdentity SelfIdentity() {
  ProcessIdentity self;
  self.pid = getpid();
  if (absl::StatusOr<ProcessStatus> status = ReadProcessStatus(self.pid); status.ok()) {
    self.start_time = status->start_time;
  }
  return self;
}

const std::string& HostKey() {
  static const std::string* const key = [] {
    absl::StatusOr<std::string> boot = ReadRegularFile("/proc/sys/kernel/random/boot_id", 256);
    char ns[256];
    const ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
    if (!boot.ok() || n <= 0) return new std::string();
    return new std::string(
        absl::StrCat(absl::StripAsciiWhitespace(*boot), "/", std::string(ns, n)));
  }();
  return *key;
}

bool IsAlive(const ProcessIdentity& identity) {
  absl::StatusOr<ProcessStatus> status = ReadProcessStatus(identity.pid);
  return status.ok() && status->state != 'Z' && status->start_time == identity.start_time;
}

}  // namespace meshup::internal
