// The client filter that injects the route's abort (VirtualService
// fault.abort): the call ends before any attempt with the route's status,
// as the mesh's answer. The route's delay (fault.delay) is planned with the
// route and waited out by each call path before admission, blocking or on a
// runtime timer (grpc_adapter/client_call.cc, grpc_adapter/client_stream.cc).
#ifndef MESHUP_SRC_FILTERS_FAULT_FILTER_H_
#define MESHUP_SRC_FILTERS_FAULT_FILTER_H_

#include "filters/client_filter.h"

namespace meshup::internal {

class FaultFilter final : public ClientFilter {
 public:
  absl::Status OnAdmit(ClientCallState& call) const override {
    return call.plan().abort ? *call.plan().abort : absl::OkStatus();
  }
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_FAULT_FILTER_H_
