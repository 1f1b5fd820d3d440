// Streaming client calls. A stream is one attempt: once a message has been
// sent it cannot be replayed, so streams are never retried. Routing, faults
// and the connection-pool limit apply as to unary calls.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/time/clock.h"
#include "call/client_call_state.h"
#include "call/live_calls.h"
#include "grpc_adapter/handover.h"
#include "grpc_adapter/message_bytes.h"
#include "grpc_adapter/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
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
// gRPC carries the messages as bytes: the stream serializes and parses them
// on the caller's thread, outside gRPC's code.
// The stream keeps its channel alive (the caller's client may go first).
// Destroying the Mesh cancels it and ends its accounting at once
// (EndForShutdown): the stream the user still holds then fails its
// operations and touches nothing of the Mesh.
class GrpcClientStream final : public ClientStream, public LiveCall {
 public:
  GrpcClientStream(Channel& channel, const MethodInfo& method, const CallOptions& options,
                   const Message* request, Message* response)
      : channel_(ChannelAccess::Share(channel)),
        registration_(ChannelAccess::Get(channel).live_calls, this),
        options_(options),
        rpc_method_(method.path.data(), RpcTypeOf(method.kind)),
        response_(response) {
    if (!registration_.admitted()) {
      status_ = LiveCalls::MeshGoneError();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    call_.emplace(channel, method, options_);
    if (const absl::Duration delay = call_->delay(); delay > absl::ZeroDuration()) {
      lock.unlock();  // EndForShutdown() may come meanwhile
      absl::SleepFor(delay);
      lock.lock();
      if (detached_) {
        status_ = absl::CancelledError("the Mesh was destroyed before the stream started");
        return;
      }
    }
    grpc::ByteBuffer request_bytes;  // a server stream's single request
    if (method.kind == RpcKind::kServerStreaming) {
      if (absl::Status serialized = SerializeMessage(*request, request_bytes); !serialized.ok()) {
        status_ = call_->Refuse(std::move(serialized));
        return;
      }
      request_bytes_ = request_bytes.Length();
    }
    status_ = call_->Admit();
    if (!status_.ok()) return;
    absl::StatusOr<grpc::Channel*> target = call_->StartAttempt();
    if (!target.ok()) {
      status_ = target.status();
      call_->EndAttempt(status_);
      return;
    }
    started_ = true;
    grpc::ClientContext* context = &call_->context();
    // The stream runs on the caller's thread; gRPC's inline code that runs
    // it reads what gRPC's threads wrote (see grpc_adapter/handover.h).
    GrpcCode in_grpc;
    switch (method.kind) {
      case RpcKind::kServerStreaming:
        reader_.reset(grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            *target, rpc_method_, context, request_bytes));
        break;
      case RpcKind::kClientStreaming:
        writer_.reset(grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(
            *target, rpc_method_, context, &response_buffer_));
        break;
      default:
        reader_writer_.reset(
            grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
                *target, rpc_method_, context));
        break;
    }
  }

  // A stream dropped before Finish() is cancelled, and its attempt ends, so
  // that its endpoint's in-flight count and the connection pool are right.
  ~GrpcClientStream() override {
    registration_.StopCancels();
    EndUnfinished("the stream was dropped before Finish()");
    GrpcCode in_grpc;  // gRPC's inline code tears the stream down
    reader_.reset();
    writer_.reset();
    reader_writer_.reset();
  }

  Ending EndForShutdown() override {
    EndUnfinished("the Mesh was destroyed while the stream was open");
    std::lock_guard<std::mutex> lock(mu_);
    // The user's interceptors see the end when the stream goes, outside
    // the Mesh's locks.
    if (call_) call_->CloseMeshSide();
    detached_ = true;
    return Ending::kDetached;
  }

  bool Read(Message* message) override {
    grpc::ByteBuffer bytes;
    bool read = false;
    {
      GrpcCode in_grpc;
      read = reader_          ? reader_->Read(&bytes)
             : reader_writer_ ? reader_writer_->Read(&bytes)
                              : false;
    }
    if (!read) return false;
    const size_t size = bytes.Length();
    if (absl::Status parsed = ParseMessage(bytes, *message); !parsed.ok()) {
      // A message that cannot be parsed ends the stream: Finish() reports
      // that error, not the server's status.
      std::lock_guard<std::mutex> lock(mu_);
      if (read_error_.ok()) read_error_ = std::move(parsed);
      if (started_ && !detached_) call_->context().TryCancel();
      return false;
    }
    response_bytes_.fetch_add(size, std::memory_order_relaxed);
    return true;
  }
  bool Write(const Message& message) override {
    if (!writer_ && !reader_writer_) return false;
    grpc::ByteBuffer bytes;
    if (!SerializeMessage(message, bytes).ok()) return false;
    bool written = false;
    {
      GrpcCode in_grpc;
      written = writer_ ? writer_->Write(bytes) : reader_writer_->Write(bytes);
    }
    if (written) request_bytes_.fetch_add(bytes.Length(), std::memory_order_relaxed);
    return written;
  }
  bool WritesDone() override {
    GrpcCode in_grpc;
    if (writer_) return writer_->WritesDone();
    if (reader_writer_) return reader_writer_->WritesDone();
    return false;
  }
  absl::Status Finish() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status_.ok() || finished_) return status_;
    }
    grpc::Status status;
    {
      GrpcCode in_grpc;
      if (reader_) status = reader_->Finish();
      if (writer_) status = writer_->Finish();
      if (reader_writer_) status = reader_writer_->Finish();
    }
    absl::Status result = ToAbslStatus(status);
    if (writer_ && result.ok()) result = ParseResponse(response_buffer_, *response_);
    std::lock_guard<std::mutex> lock(mu_);
    status_ = read_error_.ok() ? std::move(result) : read_error_;
    if (finished_ || detached_) return status_;  // EndForShutdown() ended the attempt
    finished_ = true;
    if (writer_ && status_.ok()) {
      response_bytes_.fetch_add(response_->ByteSizeLong(), std::memory_order_relaxed);
    }
    call_->SetMessageSizes(request_bytes_, response_bytes_);
    call_->EndAttempt(status_);
    return status_;
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_ && !detached_) call_->context().TryCancel();
  }

 private:
  // Cancels a stream that started and has not finished, and ends its attempt.
  void EndUnfinished(const char* why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || finished_ || detached_) return;
    finished_ = true;
    status_ = absl::CancelledError(why);
    call_->context().TryCancel();
    call_->SetMessageSizes(request_bytes_, response_bytes_);
    call_->EndAttempt(absl::CancelledError(why));
  }

  const std::shared_ptr<Channel> channel_;  // the client may go first
  LiveCalls::Registration registration_;
  const CallOptions options_;
  const grpc::internal::RpcMethod rpc_method_;
  Message* const response_;           // a client stream's single response
  grpc::ByteBuffer response_buffer_;  // its bytes, which gRPC writes in Finish()
  // Guards what EndForShutdown() reaches: the call's state and the flags.
  std::mutex mu_;
  std::optional<ClientCallState> call_;  // empty when the Mesh was gone
  absl::Status status_;
  absl::Status read_error_;  // a message Read() could not parse
  bool started_ = false;
  bool finished_ = false;
  bool detached_ = false;  // the Mesh is gone: call_ is closed
  // For the byte metrics: what the stream carried each way.
  std::atomic<uint64_t> request_bytes_{0}, response_bytes_{0};
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader_;
  std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer_;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> reader_writer_;
};

}  // namespace

std::unique_ptr<ClientStream> OpenClientStream(Channel& channel, const MethodInfo& method,
                                               const CallOptions& options, const Message* request,
                                               Message* response) {
  return std::make_unique<GrpcClientStream>(channel, method, options, request, response);
}

}  // namespace meshup::internal
