// MeshUp's untyped messages (google::protobuf::Message) on gRPC's wire.
//
// MeshUp's client calls and non-blocking handlers hand gRPC bytes both ways
// (grpc::ByteBuffer) and turn messages into bytes and back themselves, with
// gRPC's protobuf serialization, where MeshUp's code owns the message: on
// the caller's thread, or in a callback once it took the call over from
// gRPC. So gRPC's threads never touch those messages, and MeshUp
// specializes none of gRPC's serialization traits. (Blocking and streaming
// server handlers stay typed: gRPC parses their messages on the handler's
// own thread.)
#ifndef MESHUP_SRC_GRPC_ADAPTER_MESSAGE_BYTES_H_
#define MESHUP_SRC_GRPC_ADAPTER_MESSAGE_BYTES_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace meshup::internal {

// Serializes `message` into `bytes` (gRPC's ByteBuffer cannot be moved, so
// it is filled in place); INTERNAL when it cannot be serialized.
absl::Status SerializeMessage(const google::protobuf::Message& message, grpc::ByteBuffer& bytes);

// Parses `bytes` into `message` and empties `bytes`. INTERNAL when they are
// not one (or hold no message at all).
absl::Status ParseMessage(grpc::ByteBuffer& bytes, google::protobuf::Message& message);

// The single response of a call that ended OK (unary, client streaming):
// as ParseMessage(), except that a call that answered no message fails as
// gRPC's blocking unary calls do (UNIMPLEMENTED).
absl::Status ParseResponse(grpc::ByteBuffer& bytes, google::protobuf::Message& response);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_MESSAGE_BYTES_H_
