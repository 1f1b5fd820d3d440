// The client filter chain: what every outgoing call goes through around the
// call pipeline's core (call/client_call_state.h), one concern per filter,
// as gRPC's client interceptors and Envoy's HTTP filters. The order, which
// DefaultClientFilters() decides:
//
//   the user's ClientInterceptors (MeshOptions::client_interceptors)
//     -> telemetry (span, trace headers, metrics, access log)
//       -> fault injection (the route's delay and abort)
//         -> the core: connection-pool admission, endpoint, attempts, retries
//
// A filter acts at four points of a call, in chain order, and OnEnd() runs
// in reverse order, once, for every filter whose OnStart() ran:
//   OnStart()    the call is made, before it is routed; a non-OK status
//                ends it there, before the later filters see it
//   OnAdmit()    after the pause the filters asked for (Delay(), which the
//                call waits out, up to its deadline: a blocking call on its
//                thread, an async call on a runtime timer), before the
//                first attempt; a non-OK status is the mesh's answer
//   OnAttempt()  each attempt, once its endpoint is picked: its headers
//   OnEnd()      the call is over; for a stream the Mesh closes while the
//                user still holds it, at once for the filters that need
//                the Mesh, when the stream goes for the others
//
// Filters are stateless and shared by every call and thread; what they keep
// for one call lives in the call (ClientCallSlots, in call/client_call_state.h:
// a new filter with per-call state adds its slot there). A filter whose part
// of the runtime is absent (no telemetry, no interceptors) does nothing.
#ifndef MESHUP_SRC_FILTERS_CLIENT_FILTER_H_
#define MESHUP_SRC_FILTERS_CLIENT_FILTER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "call/client_call_state.h"
#include "grpcpp/client_context.h"

namespace meshup::internal {

class ClientFilter {
 public:
  virtual ~ClientFilter() = default;
  virtual absl::Status OnStart(ClientCallState& /*call*/) const { return absl::OkStatus(); }
  // How long the call should pause before it is admitted (zero: none).
  // The pauses of all the filters add up.
  virtual absl::Duration Delay(const ClientCallState& /*call*/) const {
    return absl::ZeroDuration();
  }
  virtual absl::Status OnAdmit(ClientCallState& /*call*/) const { return absl::OkStatus(); }
  virtual void OnAttempt(ClientCallState& /*call*/, grpc::ClientContext& /*context*/) const {}
  virtual void OnEnd(ClientCallState& /*call*/) const {}
  // Whether the call's own value of request header `name` (the caller's,
  // or as the route set it) is left out of each attempt because this filter
  // sends its own in OnAttempt().
  virtual bool Replaces(const ClientCallState& /*call*/, absl::string_view /*name*/) const {
    return false;
  }
  // Whether OnEnd() touches nothing of the Mesh, so that it may run after
  // the Mesh is gone, outside the Mesh's locks (the user's interceptors).
  virtual bool OutlivesMesh() const { return false; }
};

// The filters every client call goes through, outermost first.
absl::Span<const ClientFilter* const> DefaultClientFilters();

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_CLIENT_FILTER_H_
