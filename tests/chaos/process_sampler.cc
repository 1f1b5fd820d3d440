#include "process_sampler.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace meshup::chaos {
namespace {

// The number after `field` in a /proc status line ("VmRSS:   1234 kB").
bool ReadField(absl::string_view line, absl::string_view field, int64_t& value) {
  if (!absl::ConsumePrefix(&line, field)) return false;
  line = absl::StripAsciiWhitespace(line);
  absl::ConsumeSuffix(&line, "kB");
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &value);
}

}  // namespace

absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no process ", pid));
  ProcessStatus status;
  int found = 0;
  std::string line;
  while (std::getline(in, line)) {
    found += ReadField(line, "VmRSS:", status.rss_kib) + ReadField(line, "VmHWM:", status.hwm_kib) +
             ReadField(line, "Threads:", status.threads);
  }
  if (found < 3) return absl::NotFoundError(absl::StrCat("process ", pid, " has no memory"));
  return status;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

ProcessSampler::ProcessSampler(pid_t pid, absl::Duration every) : pid_(pid) {
  Sample();
  thread_ = std::thread([this, every] {
    while (!stop_.load()) {
      absl::SleepFor(every);
      Sample();
    }
  });
}

ProcessSampler::~ProcessSampler() { Stop(); }

ProcessStatus ProcessSampler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  Sample();
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

void ProcessSampler::Sample() {
  absl::StatusOr<ProcessStatus> now = ReadProcessStatus(pid_);
  if (!now.ok()) return;
  samples_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  peak_.rss_kib = std::max(peak_.rss_kib, now->rss_kib);
  peak_.hwm_kib = std::max(peak_.hwm_kib, now->hwm_kib);
  peak_.threads = std::max(peak_.threads, now->threads);
}

}  // namespace meshup::chaos
