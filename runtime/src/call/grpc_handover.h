// What MeshUp allocates for gRPC's inline code to write on gRPC's threads
// before a MeshUp callback can take it over (see util/tsan.h).
#ifndef MESHUP_SRC_CALL_GRPC_HANDOVER_H_
#define MESHUP_SRC_CALL_GRPC_HANDOVER_H_

#include <memory>

#include "grpcpp/client_context.h"
#include "util/tsan.h"

namespace meshup::internal {

// A T that gRPC's header-inline code writes on gRPC's threads, before any
// MeshUp callback runs (a ClientContext, a callback call's response bytes):
// allocated inside a GrpcCode scope, so that its memory starts with no
// recorded access. Under TSan, an object MeshUp had touched before would
// show gRPC's write as a race.
template <class T>
std::unique_ptr<T> NewForGrpc() {
  GrpcCode in_grpc;
  return std::make_unique<T>();
}

inline std::unique_ptr<grpc::ClientContext> NewClientContext() {
  return NewForGrpc<grpc::ClientContext>();
}

}  // namespace meshup::internal

#endif  // MESHUP_SRC_CALL_GRPC_HANDOVER_H_
