// Small file-system helpers the runtime's modules share.
#ifndef MESHUP_SRC_UTIL_FILES_H_
#define MESHUP_SRC_UTIL_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meshup::internal {

// Creates `path` and its missing parents (mode 0755).
absl::Status MakeDirectories(const std::string& path);

// Writes `text` to `path` with permissions `mode`, whole: a hidden temporary
// file beside it, then a rename, so a reader sees the old file or the new
// one, never half of one.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode);

// Reads `path` whole. It may block, on a FIFO for one: for a file named on
// a command line. Files found in a watched directory are read with
// ReadRegularFile().
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Reads `path` if it is a regular file (or a symbolic link to one) of at
// most `max_bytes`, and never blocks on it: the file is opened non-blocking
// and checked on the opened descriptor, so a FIFO, device, socket or
// directory in its place is refused unread. A file over `max_bytes` is
// refused from its size, before any of it is read (and one that grows past
// it while being read is refused too). Errors name the file:
// NotFoundError when it does not exist, FailedPreconditionError when it is
// not a regular file, ResourceExhaustedError when it is too large,
// UnavailableError when it cannot be read.
absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_FILES_H_
