// The client filter that observes every call, as Istio's sidecar does on the
// caller's side: it opens a span for the call (continuing a traceparent the
// caller set, else the call the current thread is serving), sends it to
// every attempt as W3C traceparent/tracestate with this workload's
// x-meshup-peer header, and when the call ends reports it (reporter=source):
// Istio's metrics, labelled with the last endpoint's workload and verified
// identity, the access log and the span. A call that reached no endpoint (a
// fault, a full pool) counts with the others to its destination. A Mesh
// without telemetry passes calls untouched.
#ifndef MESHUP_SRC_FILTERS_CLIENT_TELEMETRY_FILTER_H_
#define MESHUP_SRC_FILTERS_CLIENT_TELEMETRY_FILTER_H_

#include "filters/client_filter.h"

namespace meshup::internal {

class ClientTelemetryFilter final : public ClientFilter {
 public:
  absl::Status OnStart(ClientCallState& call) const override;
  void OnAttempt(ClientCallState& call, grpc::ClientContext& context) const override;
  void OnEnd(ClientCallState& call) const override;
  // traceparent and tracestate: the call's own span replaces the caller's.
  bool Replaces(const ClientCallState& call, absl::string_view name) const override;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_CLIENT_TELEMETRY_FILTER_H_
