// The server side of the gRPC adapter. gRPC's handler of each method calls
// RunServerCall() (declared in meshup/internal/grpc_service.h, for the
// generated code), which runs the server filter chain around the handler on
// gRPC's thread.
#ifndef MESHUP_SRC_GRPC_ADAPTER_SERVER_CALL_H_
#define MESHUP_SRC_GRPC_ADAPTER_SERVER_CALL_H_

#include "meshup/service.h"

namespace meshup::internal {

// To be called once gRPC's server has stopped (its Shutdown() or Wait()
// returned): no handler of `service` runs any more, what the handlers did is
// the caller's to see, and the service is the caller's to destroy.
void ServiceBackFromGrpc(const Service& service);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_SERVER_CALL_H_
