// Outlier detection, as Istio's DestinationRule outlierDetection: an endpoint
// that fails `consecutive_errors` calls in a row is ejected for
// base_ejection_time x (times it was ejected), never ejecting more than
// max_ejection_percent of its set (at least one endpoint may always be
// ejected when the percent allows any). An ejected endpoint returns by
// itself when its time is up. Thread-safe and lock-free per call.
//
// The details:
// - The limit is max_ejection_percent of the set's size rounded down, but at
//   least one when the percent is above zero (as Envoy): with 3 endpoints and
//   the default 10%, one may be ejected; with 0%, none. Concurrent ejections
//   of different endpoints may overshoot it by the number of racing threads.
// - An endpoint refused by the limit keeps its failure count, so its next
//   failure tries again. Failures recorded while it is ejected (calls that
//   were in flight) are ignored; consecutive_errors <= 0 disables detection.
// - The ejection count never decays (Envoy's does): a returned endpoint that
//   later fails again is ejected for longer each time, with no cap.
// - Ejection is decided on each failure, not on a timer, so Istio's
//   `interval` has no use, and a minimum of healthy endpoints is left to the
//   balancer's panic mode, which picks ejected endpoints when no other is
//   left; the configuration loader warns on both fields.
#ifndef MESHUP_SRC_UPSTREAM_OUTLIER_DETECTOR_H_
#define MESHUP_SRC_UPSTREAM_OUTLIER_DETECTOR_H_

#include "absl/status/status.h"
#include "upstream/endpoint.h"
#include "config/model.h"
#include "util/clock.h"

namespace meshup::internal {

// Whether a call ending with `code` counts as a failure of the endpoint that
// served it: what Envoy counts as a 5xx for gRPC (UNAVAILABLE, INTERNAL,
// UNKNOWN, DEADLINE_EXCEEDED, DATA_LOSS, UNIMPLEMENTED).
bool IsEndpointFailure(absl::StatusCode code);

class OutlierDetector {
 public:
  OutlierDetector(config::OutlierDetection policy, Clock& clock);

  // Records the outcome of one call on `endpoint`, a member of `set`.
  void Record(Endpoint& endpoint, absl::StatusCode code, const EndpointList& set);

 private:
  const config::OutlierDetection policy_;
  Clock& clock_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_OUTLIER_DETECTOR_H_
