// The client filter that injects the route's faults (VirtualService
// fault.delay and fault.abort, each already rolled against its percentage
// when the call was planned): the call pauses for the delay, then ends
// before any attempt with the abort's status, as the mesh's answer.
#ifndef MESHUP_SRC_FILTERS_FAULT_FILTER_H_
#define MESHUP_SRC_FILTERS_FAULT_FILTER_H_

#include "filters/client_filter.h"

namespace meshup::internal {

class FaultFilter final : public ClientFilter {
 public:
  absl::Duration Delay(const ClientCallState& call) const override { return call.plan().delay; }
  absl::Status OnAdmit(ClientCallState& call) const override {
    return call.plan().abort ? *call.plan().abort : absl::OkStatus();
  }
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_FAULT_FILTER_H_
