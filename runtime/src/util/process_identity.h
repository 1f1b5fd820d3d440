// Who a process on this machine is, beyond its pid. A pid is reused once
// its process is gone; a pid together with the process's start time is
// not (on one boot of one kernel, in one pid namespace: what HostKey()
// names). Linux /proc only.
#ifndef MESHUP_SRC_UTIL_PROCESS_IDENTITY_H_
#define MESHUP_SRC_UTIL_PROCESS_IDENTITY_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace meshup::internal {

struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;  // clock ticks after boot: field 22 of /proc/<pid>/stat
};

// What /proc says of a process that has not been reaped yet.
struct ProcessStatus {
  uint64_t start_time = 0;
  char state = '?';          // R, S, D, Z (exited, not reaped), ...
  std::string command_line;  // its arguments, separated by spaces
};

// NotFoundError when no process has `pid`.
absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid);

// This process's identity.
ProcessIdentity SelfIdentity();

// This boot of this kernel and this pid namespace, as one string: where a
// ProcessIdentity means the same process. Empty when /proc cannot tell.
const std::string& HostKey();

// Whether the process `identity` names (in this HostKey()) still runs: not
// when its pid is free, belongs to a zombie, or to a later process.
bool IsAlive(const ProcessIdentity& identity);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_PROCESS_IDENTITY_H_
