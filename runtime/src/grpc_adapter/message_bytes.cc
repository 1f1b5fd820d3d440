#include "grpc_adapter/message_bytes.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace meshup::internal {

using google::protobuf::Message;

absl::Status SerializeMessage(const Message& message, grpc::ByteBuffer& bytes) {
  bool owned = false;
  const grpc::Status status =
      grpc::SerializationTraits<Message>::Serialize(message, &bytes, &owned);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot serialize a ", message.GetTypeName(), ": ", status.error_message()));
  }
  return absl::OkStatus();
}

absl::Status ParseMessage(grpc::ByteBuffer& bytes, Message& message) {
  const grpc::Status status = grpc::SerializationTraits<Message>::Deserialize(&bytes, &message);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot parse a ", message.GetTypeName(), ": ", status.error_message()));
  }
  return absl::OkStatus();
}

absl::Status ParseResponse(grpc::ByteBuffer& bytes, Message& response) {
  // gRPC's own words for it (grpcpp/impl/client_unary_call.h).
  if (!bytes.Valid()) return absl::UnimplementedError("No message returned for unary request");
  return ParseMessage(bytes, response);
}

}  // namespace meshup::internal
