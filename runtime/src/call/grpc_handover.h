// The gRPC side of MeshUp's handovers to gRPC under ThreadSanitizer (see
// util/tsan.h); outside TSan builds, gRPC's own definitions apply unchanged.
//
// - NewClientContext(): a ClientContext is gRPC's to read on its threads
//   once a call starts (its header-inline code does, before any callback),
//   so it is allocated inside a GrpcCode scope.
// - gRPC's serialization of MeshUp's untyped messages
//   (google::protobuf::Message), as gRPC's protobuf traits do it; under TSan
//   parsing a response first takes it over: the thread that started the call
//   calls HandOffToGrpc(response) before. Include this header before any
//   other use of gRPC's call templates with google::protobuf::Message.
#ifndef MESHUP_SRC_CALL_GRPC_HANDOVER_H_
#define MESHUP_SRC_CALL_GRPC_HANDOVER_H_

#include <memory>

#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "util/tsan.h"

namespace meshup::internal {

inline std::unique_ptr<grpc::ClientContext> NewClientContext() {
  GrpcCode in_grpc;
  return std::make_unique<grpc::ClientContext>();
}

}  // namespace meshup::internal

#ifdef MESHUP_TSAN
namespace grpc {

template <>
class SerializationTraits<google::protobuf::Message, void> {
 public:
  static Status Serialize(const protobuf::MessageLite& message, ByteBuffer* buffer,
                          bool* own_buffer) {
    return GenericSerialize<ProtoBufferWriter, google::protobuf::Message>(message, buffer,
                                                                           own_buffer);
  }
  static Status Deserialize(ByteBuffer* buffer, protobuf::MessageLite* message) {
    meshup::internal::TakeOverFromGrpc(message);
    return GenericDeserialize<ProtoBufferReader, google::protobuf::Message>(buffer, message);
  }
};

}  // namespace grpc
#endif  // MESHUP_TSAN

#endif  // MESHUP_SRC_CALL_GRPC_HANDOVER_H_
