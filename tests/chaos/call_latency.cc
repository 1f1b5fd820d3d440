#include "call_latency.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "scenario.h"

namespace meshup::chaos {

std::string LatencyWindow::ToString() const {
  return absl::StrCat("p99 ", Rounded(p99), " (p50 ", Rounded(p50), ", max ", Rounded(max), "), ",
                      calls, " calls, ", failed, " failed");
}

absl::Time CallLatencies::Issue() {
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (issued_ == 0) first_ = now;
  const absl::Time intended = first_ + absl::Seconds(static_cast<double>(issued_++) / rate_);
  return std::min(intended, now);
}

void CallLatencies::Record(absl::Time intended, bool ok) {
  const absl::Duration latency = absl::Now() - intended;
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({intended, latency, ok});
}

LatencyWindow CallLatencies::Between(absl::Time from, absl::Time to) const {
  std::vector<absl::Duration> latencies;
  LatencyWindow window;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Call& call : calls_) {
      if (call.intended < from || call.intended >= to) continue;
      ++window.calls;
      if (call.ok) {
        latencies.push_back(call.latency);
      } else {
        ++window.failed;
      }
    }
  }
  if (latencies.empty()) return window;
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(q * latencies.size()))];
  };
  window.p50 = at(0.50);
  window.p99 = at(0.99);
  window.max = latencies.back();
  return window;
}

}  // namespace meshup::chaos
