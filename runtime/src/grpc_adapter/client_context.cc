#include "grpc_adapter/client_context.h"

#include "grpc_adapter/handover.h"

namespace meshup::internal {

std::unique_ptr<grpc::ClientContext> NewClientContext() {
  return NewForGrpc<grpc::ClientContext>();
}

}  // namespace meshup::internal
