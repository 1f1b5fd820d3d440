// Streaming client calls. A stream is one attempt: once a message has been
// sent it cannot be replayed, so streams are never retried.
#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "call/attempt_policy.h"
#include "call/channel_impl.h"
#include "call/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/sync_stream.h"
#include "meshup/streams.h"

namespace meshup::internal {
namespace {

using google::protobuf::Message;

grpc::internal::RpcMethod::RpcType RpcTypeOf(RpcKind kind) {
  switch (kind) {
    case RpcKind::kUnary:
      return grpc::internal::RpcMethod::NORMAL_RPC;
    case RpcKind::kServerStreaming:
      return grpc::internal::RpcMethod::SERVER_STREAMING;
    case RpcKind::kClientStreaming:
      return grpc::internal::RpcMethod::CLIENT_STREAMING;
    case RpcKind::kBidiStreaming:
      return grpc::internal::RpcMethod::BIDI_STREAMING;
  }
  return grpc::internal::RpcMethod::BIDI_STREAMING;
}

// Wraps gRPC's reader, writer or reader-writer; the three share the
// operations of ClientStream, and a call shape that lacks one reports failure.
class GrpcClientStream final : public ClientStream {
 public:
  GrpcClientStream(Channel& channel, const MethodInfo& method, const CallOptions& options,
                   const Message* request, Message* response)
      : kind_(method.kind),
        rpc_method_(method.path.data(), RpcTypeOf(method.kind)) {
    absl::Time deadline = CallDeadline(absl::Now(), method, options);
    if (deadline != absl::InfiniteFuture()) context_.set_deadline(absl::ToChronoTime(deadline));
    for (const auto& [name, value] : options.headers) context_.AddMetadata(name, value);
    grpc::ChannelInterface* grpc_channel = ChannelAccess::Get(channel).grpc_channel.get();
    switch (kind_) {
      case RpcKind::kServerStreaming:
        reader_.reset(grpc::internal::ClientReaderFactory<Message>::Create(
            grpc_channel, rpc_method_, &context_, *request));
        break;
      case RpcKind::kClientStreaming:
        writer_.reset(grpc::internal::ClientWriterFactory<Message>::Create(
            grpc_channel, rpc_method_, &context_, response));
        break;
      default:
        reader_writer_.reset(grpc::internal::ClientReaderWriterFactory<Message, Message>::Create(
            grpc_channel, rpc_method_, &context_));
        break;
    }
  }

  bool Read(Message* message) override {
    if (reader_) return reader_->Read(message);
    if (reader_writer_) return reader_writer_->Read(message);
    return false;
  }
  bool Write(const Message& message) override {
    if (writer_) return writer_->Write(message);
    if (reader_writer_) return reader_writer_->Write(message);
    return false;
  }
  bool WritesDone() override {
    if (writer_) return writer_->WritesDone();
    if (reader_writer_) return reader_writer_->WritesDone();
    return false;
  }
  absl::Status Finish() override {
    grpc::Status status;
    if (reader_) status = reader_->Finish();
    if (writer_) status = writer_->Finish();
    if (reader_writer_) status = reader_writer_->Finish();
    return ToAbslStatus(status);
  }
  void Cancel() override { context_.TryCancel(); }

 private:
  const RpcKind kind_;
  const grpc::internal::RpcMethod rpc_method_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  std::unique_ptr<grpc::ClientWriter<Message>> writer_;
  std::unique_ptr<grpc::ClientReaderWriter<Message, Message>> reader_writer_;
};

}  // namespace

std::unique_ptr<ClientStream> OpenClientStream(Channel& channel, const MethodInfo& method,
                                               const CallOptions& options, const Message* request,
                                               Message* response) {
  return std::make_unique<GrpcClientStream>(channel, method, options, request, response);
}

}  // namespace meshup::internal
