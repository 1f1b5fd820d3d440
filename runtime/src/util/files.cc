#include "util/files.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace meshup::internal {

absl::Status MakeDirectories(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    const std::string partial = path.substr(0, i);
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create directory ", partial, ": ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode) {
  const size_t slash = path.rfind('/');
  const std::string temporary =
      slash == std::string::npos
          ? absl::StrCat(".", path, ".tmp")
          : absl::StrCat(path.substr(0, slash + 1), ".", path.substr(slash + 1), ".tmp");
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  }
  fchmod(fd, mode);  // the umask must not change it
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!written || rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", strerror(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  FILE* file = fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  fclose(file);
  return text;
}

namespace {

const char* FileType(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

absl::Status NotRegular(const std::string& path, mode_t mode) {
  return absl::FailedPreconditionError(absl::StrCat(
      path, ": ", FileType(mode), ", not a regular file; only regular files are read"));
}

absl::Status TooLarge(const std::string& path, uint64_t size, size_t max_bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      path, ": ", size, " bytes; a file here may have at most ", max_bytes, " (it was not read)"));
}

}  // namespace

absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  // A look first, so that a device is not even opened in the common case;
  // the check on the opened descriptor is the one that counts.
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) return NotRegular(path, info.st_mode);
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    return TooLarge(path, info.st_size, max_bytes);
  }
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
  }
  if (fstat(fd, &info) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return NotRegular(path, info.st_mode);
  }
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    close(fd);
    return TooLarge(path, info.st_size, max_bytes);
  }
  std::string text;
  text.resize(static_cast<size_t>(info.st_size) + 1);  // one more byte tells growth
  size_t length = 0;
  while (true) {
    if (length == text.size()) {
      if (length > max_bytes) {
        close(fd);
        return TooLarge(path, length, max_bytes);
      }
      text.resize(std::min(max_bytes + 1, std::max<size_t>(2 * length, 4096)));
    }
    const ssize_t n = read(fd, text.data() + length, text.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    if (n == 0) break;
    length += static_cast<size_t>(n);
  }
  close(fd);
  if (length > max_bytes) return TooLarge(path, length, max_bytes);
  text.resize(length);
  return text;
}

}  // namespace meshup::internal
