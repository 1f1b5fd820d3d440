// The gRPC ClientContext of one call attempt. gRPC writes it on its own
// threads; a context made here is one gRPC's first write does not race with
// (grpc_adapter/handover.h says why that needs care).
#ifndef MESHUP_SRC_GRPC_ADAPTER_CLIENT_CONTEXT_H_
#define MESHUP_SRC_GRPC_ADAPTER_CLIENT_CONTEXT_H_

#include <memory>

#include "grpcpp/client_context.h"

namespace meshup::internal {

std::unique_ptr<grpc::ClientContext> NewClientContext();

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_CLIENT_CONTEXT_H_
