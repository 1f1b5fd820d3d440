// Streaming client calls. A stream is one attempt: once a message has been
// sent it cannot be replayed, so streams are never retried. Routing, faults
// and the connection-pool limit apply as to unary calls.
#include <cstdint>
#include <memory>
#include <utility>

#include "call/grpc_handover.h"  // first: how gRPC serializes Message

#include "absl/time/clock.h"
#include "call/client_call_state.h"
#include "call/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/sync_stream.h"
#include "meshup/streams.h"
#include "util/tsan.h"

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
      : options_(options),
        call_(channel, method, options_),
        rpc_method_(method.path.data(), RpcTypeOf(method.kind)),
        response_(response) {
    if (call_.delay() > absl::ZeroDuration()) {
      absl::SleepFor(std::min(call_.delay(), call_.plan().deadline - absl::Now()));
    }
    status_ = call_.Admit();
    if (!status_.ok()) return;
    absl::StatusOr<grpc::Channel*> target = call_.StartAttempt();
    if (!target.ok()) {
      status_ = target.status();
      call_.EndAttempt(status_);
      return;
    }
    started_ = true;
    grpc::ClientContext* context = &call_.context();
    if (method.kind == RpcKind::kServerStreaming) request_bytes_ = request->ByteSizeLong();
    // The stream runs on the caller's thread; gRPC's inline code that runs
    // it reads what gRPC's threads wrote (see util/tsan.h).
    GrpcCode in_grpc;
    switch (method.kind) {
      case RpcKind::kServerStreaming:
        reader_.reset(grpc::internal::ClientReaderFactory<Message>::Create(*target, rpc_method_,
                                                                           context, *request));
        break;
      case RpcKind::kClientStreaming:
        writer_.reset(grpc::internal::ClientWriterFactory<Message>::Create(*target, rpc_method_,
                                                                           context, response));
        break;
      default:
        reader_writer_.reset(grpc::internal::ClientReaderWriterFactory<Message, Message>::Create(
            *target, rpc_method_, context));
        break;
    }
  }

  // A stream dropped before Finish() is cancelled, and its attempt ends, so
  // that its endpoint's in-flight count and the connection pool are right.
  ~GrpcClientStream() override {
    if (started_ && !finished_) {
      call_.context().TryCancel();
      call_.SetMessageSizes(request_bytes_, response_bytes_);
      call_.EndAttempt(absl::CancelledError("the stream was dropped before Finish()"));
    }
    GrpcCode in_grpc;  // gRPC's inline code tears the stream down
    reader_.reset();
    writer_.reset();
    reader_writer_.reset();
  }

  bool Read(Message* message) override {
    bool read = false;
    {
      GrpcCode in_grpc;
      read = reader_         ? reader_->Read(message)
             : reader_writer_ ? reader_writer_->Read(message)
                              : false;
    }
    if (read) response_bytes_ += message->ByteSizeLong();
    return read;
  }
  bool Write(const Message& message) override {
    bool written = false;
    {
      GrpcCode in_grpc;
      written = writer_         ? writer_->Write(message)
                : reader_writer_ ? reader_writer_->Write(message)
                                 : false;
    }
    if (written) request_bytes_ += message.ByteSizeLong();
    return written;
  }
  bool WritesDone() override {
    GrpcCode in_grpc;
    if (writer_) return writer_->WritesDone();
    if (reader_writer_) return reader_writer_->WritesDone();
    return false;
  }
  absl::Status Finish() override {
    if (!status_.ok() || finished_) return status_;
    finished_ = true;
    grpc::Status status;
    {
      GrpcCode in_grpc;
      if (reader_) status = reader_->Finish();
      if (writer_) status = writer_->Finish();
      if (reader_writer_) status = reader_writer_->Finish();
    }
    status_ = ToAbslStatus(status);
    if (writer_ && status_.ok()) response_bytes_ += response_->ByteSizeLong();
    call_.SetMessageSizes(request_bytes_, response_bytes_);
    call_.EndAttempt(status_);
    return status_;
  }
  void Cancel() override {
    if (reader_ || writer_ || reader_writer_) call_.context().TryCancel();
  }

 private:
  const CallOptions options_;
  ClientCallState call_;
  const grpc::internal::RpcMethod rpc_method_;
  absl::Status status_;
  Message* const response_;  // a client stream's single response
  bool started_ = false;
  bool finished_ = false;
  // For the byte metrics: what the stream carried each way.
  uint64_t request_bytes_ = 0, response_bytes_ = 0;
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
