// Small file-system helpers the runtime's modules share.
#ifndef MESHUP_SRC_UTIL_FILES_H_
#define MESHUP_SRC_UTIL_FILES_H_

#include <sys/types.h>

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

absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_FILES_H_
