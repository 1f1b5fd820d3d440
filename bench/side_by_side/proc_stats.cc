#include "side_by_side/proc_stats.h"

#include <dirent.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshup::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The fields of /proc/<pid>/stat after the command (which may hold spaces),
// starting with field 3 (state) at index 0.
absl::StatusOr<std::vector<std::string>> StatFields(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return stat.status();
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return absl::InternalError("bad /proc/<pid>/stat");
  return std::vector<std::string>(
      absl::StrSplit(absl::string_view(*stat).substr(close + 2), ' ', absl::SkipEmpty()));
}

}  // namespace

absl::StatusOr<double> CpuSeconds(pid_t pid) {
  absl::StatusOr<std::vector<std::string>> fields = StatFields(pid);
  if (!fields.ok()) return fields.status();
  // utime and stime are fields 14 and 15: indexes 11 and 12 here.
  int64_t utime = 0, stime = 0;
  if (fields->size() < 13 || !absl::SimpleAtoi((*fields)[11], &utime) ||
      !absl::SimpleAtoi((*fields)[12], &stime)) {
    return absl::InternalError("bad /proc/<pid>/stat");
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

absl::StatusOr<int64_t> PeakRssKib(pid_t pid) {
  absl::StatusOr<std::string> status = ReadFile(absl::StrCat("/proc/", pid, "/status"));
  if (!status.ok()) return status.status();
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (absl::ConsumePrefix(&line, "VmHWM:")) {
      line = absl::StripAsciiWhitespace(line);
      absl::ConsumeSuffix(&line, " kB");
      int64_t kib = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib)) return kib;
    }
  }
  return absl::NotFoundError(absl::StrCat("no VmHWM for pid ", pid));
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = readdir(proc)) {
    int candidate = 0;
    if (!absl::SimpleAtoi(entry->d_name, &candidate)) continue;
    absl::StatusOr<std::vector<std::string>> fields = StatFields(candidate);
    int parent = 0;
    if (fields.ok() && fields->size() > 1 && absl::SimpleAtoi((*fields)[1], &parent) &&
        parent == pid) {
      children.push_back(candidate);
    }
  }
  closedir(proc);
  return children;
}

MachineInfo DescribeMachine() {
  MachineInfo info;
  if (absl::StatusOr<std::string> cpuinfo = ReadFile("/proc/cpuinfo"); cpuinfo.ok()) {
    for (absl::string_view line : absl::StrSplit(*cpuinfo, '\n')) {
      if (absl::ConsumePrefix(&line, "model name")) {
        info.cpu_model = std::string(absl::StripAsciiWhitespace(absl::StripPrefix(
            absl::StripAsciiWhitespace(line), ":")));
        break;
      }
    }
  }
  info.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  utsname name;
  if (uname(&name) == 0) info.kernel = absl::StrCat(name.sysname, " ", name.release);
  if (absl::StatusOr<std::string> meminfo = ReadFile("/proc/meminfo"); meminfo.ok()) {
    for (absl::string_view line : absl::StrSplit(*meminfo, '\n')) {
      if (absl::ConsumePrefix(&line, "MemTotal:")) {
        line = absl::StripAsciiWhitespace(line);
        absl::ConsumeSuffix(&line, " kB");
        (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &info.memory_kib);
      }
    }
  }
  return info;
}

std::string LoadAverage() {
  absl::StatusOr<std::string> loadavg = ReadFile("/proc/loadavg");
  if (!loadavg.ok()) return "unknown";
  std::vector<absl::string_view> parts = absl::StrSplit(*loadavg, ' ');
  return parts.size() >= 3 ? absl::StrCat(parts[0], " ", parts[1], " ", parts[2]) : "unknown";
}

}  // namespace meshup::bench
