#include "telemetry/file_sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

std::string Numbered(const std::string& path, int i) {
  return i == 0 ? path : absl::StrCat(path, ".", i);
}

// Shifts path -> path.1 -> ... -> path.<max_files - 1>, dropping the oldest.
void Rotate(const std::string& path, int max_files) {
  std::remove(Numbered(path, max_files - 1).c_str());
  for (int i = max_files - 2; i >= 0; --i) {
    std::rename(Numbered(path, i).c_str(), Numbered(path, i + 1).c_str());
  }
}

// Whether `fd` is still the file at `path` (no other process rotated it).
bool StillAt(int fd, const std::string& path) {
  struct stat open_file, named;
  return fstat(fd, &open_file) == 0 && stat(path.c_str(), &named) == 0 &&
         open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

AsyncBatcher::Sink FileLineSink(std::string path, FileRotation rotation) {
  if (rotation.max_files < 1) rotation.max_files = 1;
  return [path = std::move(path), rotation](const std::vector<std::string>& lines) -> absl::Status {
    std::string text;
    for (const std::string& line : lines) absl::StrAppend(&text, line, "\n");
    // Bounded: each turn either writes or sees a rotation done (by this
    // process or another) and reopens.
    for (int turn = 0; turn < 3; ++turn) {
      const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) {
        return absl::UnavailableError(
            absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
      }
      struct stat st;
      const bool full = rotation.max_bytes > 0 && turn < 2 && fstat(fd, &st) == 0 &&
                        S_ISREG(st.st_mode) && st.st_size > 0 &&
                        static_cast<uint64_t>(st.st_size) + text.size() > rotation.max_bytes;
      if (full) {
        // One process rotates; the others wait, then find the file renamed.
        if (flock(fd, LOCK_EX) == 0) {
          if (StillAt(fd, path)) Rotate(path, rotation.max_files);
          flock(fd, LOCK_UN);
        }
        close(fd);
        continue;
      }
      // One write() with O_APPEND: several processes may share the file, and
      // their batches never interleave within a line.
      const ssize_t written = write(fd, text.data(), text.size());
      close(fd);
      if (written != static_cast<ssize_t>(text.size())) {
        return absl::UnavailableError(absl::StrCat("cannot write ", path));
      }
      return absl::OkStatus();
    }
    return absl::UnavailableError(absl::StrCat("cannot rotate ", path));
  };
}

}  // namespace meshup::internal
