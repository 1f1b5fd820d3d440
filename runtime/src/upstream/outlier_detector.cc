#include "upstream/outlier_detector.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace meshup::internal {
namespace {

// How many endpoints of a set of `size` may be ejected at once: the percent,
// rounded down, but at least one when the percent is above zero.
size_t MaxEjected(size_t size, int max_ejection_percent) {
  if (max_ejection_percent <= 0) return 0;
  return std::max<size_t>(1, size * static_cast<size_t>(max_ejection_percent) / 100);
}

}  // namespace

bool IsEndpointFailure(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

OutlierDetector::OutlierDetector(config::OutlierDetection policy, Clock& clock)
    : policy_(std::move(policy)), clock_(clock) {}

void OutlierDetector::Record(Endpoint& endpoint, absl::StatusCode code, const EndpointList& set) {
  if (!IsEndpointFailure(code)) {
    endpoint.consecutive_failures().store(0, std::memory_order_relaxed);
    return;
  }
  if (policy_.consecutive_errors <= 0) return;
  const absl::Time now = clock_.Now();
  // Calls that were in flight when the endpoint was ejected do not extend
  // its ejection.
  if (endpoint.IsEjected(now)) return;
  const int failures = endpoint.consecutive_failures().fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < policy_.consecutive_errors) return;

  const size_t ejected = std::count_if(
      set.begin(), set.end(), [now](const auto& member) { return member->IsEjected(now); });
  // Refused: the count stays at or above the threshold, so the next failure
  // tries again.
  if (ejected >= MaxEjected(set.size(), policy_.max_ejection_percent)) return;
  // Of concurrent failures past the threshold, the one that resets the count
  // ejects.
  int expected = failures;
  if (!endpoint.consecutive_failures().compare_exchange_strong(expected, 0,
                                                               std::memory_order_relaxed)) {
    return;
  }
  const int times = endpoint.times_ejected().fetch_add(1, std::memory_order_relaxed) + 1;
  endpoint.EjectUntil(now + policy_.base_ejection_time * times);
}

}  // namespace meshup::internal
