// The server filter that observes every call, as Istio's sidecar does on
// the server's side: it continues the caller's trace (W3C traceparent and
// tracestate, else B3) with a span of its own, which the handler's own
// calls through generated clients continue; and when the call ends it
// reports it (reporter=destination): Istio's metrics, labelled with the
// caller the x-meshup-peer header and the verified identity name, the
// access log and the span. A call the mesh answered (refused by policy) is
// reported as such. A server without telemetry passes calls untouched.
#ifndef MESHUP_SRC_FILTERS_SERVER_TELEMETRY_FILTER_H_
#define MESHUP_SRC_FILTERS_SERVER_TELEMETRY_FILTER_H_

#include "filters/server_filter.h"

namespace meshup::internal {

class ServerTelemetryFilter final : public ServerFilter {
 public:
  absl::Status Handle(ServerCall& call, const ServerFilterChain& next) const override;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_SERVER_TELEMETRY_FILTER_H_
