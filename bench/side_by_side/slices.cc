#include "side_by_side/slices.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"

namespace meshup::bench {

absl::StatusOr<ArmRun> MergeSlices(const std::vector<ArmRun>& slices) {
  if (slices.empty()) return absl::InvalidArgumentError("no slice to merge");
  ArmRun merged;
  merged.load = slices.front().load;
  merged.load.window = absl::ZeroDuration();
  merged.load.succeeded = merged.load.failed = merged.load.not_started = 0;
  merged.processes = slices.front().processes;
  for (ProcessUsage& usage : merged.processes) {
    usage.cpu_seconds = 0;
    usage.peak_rss_kib = 0;
  }
  auto histogram = std::make_shared<LatencyHistogram>();
  for (size_t i = 0; i < slices.size(); ++i) {
    const ArmRun& slice = slices[i];
    const std::string which = absl::StrCat("slice ", i + 1, " of ", slices.size());
    if (slice.latency_histogram == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(which, " has no latency histogram"));
    }
    if (slice.load.open_loop != merged.load.open_loop ||
        slice.load.concurrency != merged.load.concurrency ||
        slice.load.target_rate != merged.load.target_rate) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, " ran another load than slice 1 (loop, calls in flight or rate)"));
    }
    if (slice.processes.size() != merged.processes.size()) {
      return absl::InvalidArgumentError(absl::StrCat(which, " has ", slice.processes.size(),
                                                     " processes, slice 1 ",
                                                     merged.processes.size()));
    }
    for (size_t p = 0; p < slice.processes.size(); ++p) {
      const ProcessUsage& usage = slice.processes[p];
      ProcessUsage& total = merged.processes[p];
      if (usage.pid != total.pid) {
        return absl::InvalidArgumentError(absl::StrCat(which, "'s process ", p + 1, " (", usage.role,
                                                       ", pid ", usage.pid, ") is not slice 1's (",
                                                       total.role, ", pid ", total.pid, ")"));
      }
      total.cpu_seconds += usage.cpu_seconds;
      total.peak_rss_kib = std::max(total.peak_rss_kib, usage.peak_rss_kib);
    }
    histogram->Merge(*slice.latency_histogram);
    merged.load.window += slice.load.window;
    merged.load.succeeded += slice.load.succeeded;
    merged.load.failed += slice.load.failed;
    merged.load.not_started += slice.load.not_started;
  }
  const double seconds = absl::ToDoubleSeconds(merged.load.window);
  merged.load.throughput =
      seconds > 0 ? static_cast<double>(merged.load.succeeded) / seconds : 0;
  merged.load.latency = SummarizeLatency(*histogram);
  merged.latency_histogram = std::move(histogram);
  double cpu_seconds = 0;
  for (const ProcessUsage& usage : merged.processes) cpu_seconds += usage.cpu_seconds;
  const uint64_t calls = merged.load.succeeded + merged.load.failed;
  merged.cpu_us_per_call = calls == 0 ? 0 : cpu_seconds * 1e6 / static_cast<double>(calls);
  return merged;
}

}  // namespace meshup::bench
