// The client call pipeline for unary calls: deadline, attempts, retries.
#include "meshup/internal/client_call.h"

#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "call/attempt_policy.h"
#include "call/channel_impl.h"
#include "call/grpc_status.h"
#include "grpcpp/alarm.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/client_callback.h"

namespace meshup::internal {
namespace {

using google::protobuf::Message;

// Prepares a gRPC context for one attempt.
void PrepareContext(grpc::ClientContext& context, const CallOptions& options,
                    absl::Time attempt_deadline) {
  if (attempt_deadline != absl::InfiniteFuture()) {
    context.set_deadline(absl::ToChronoTime(attempt_deadline));
  }
  for (const auto& [name, value] : options.headers) context.AddMetadata(name, value);
}

grpc::internal::RpcMethod UnaryRpcMethod(const MethodInfo& method) {
  return grpc::internal::RpcMethod(method.path.data(), grpc::internal::RpcMethod::NORMAL_RPC);
}

// One asynchronous call across its attempts. Owns itself until `done` ran.
class AsyncUnaryCall {
 public:
  AsyncUnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                 const Message& request, Message* response, std::function<void(absl::Status)> done)
      : grpc_channel_(ChannelAccess::Get(channel).grpc_channel),
        method_(method),
        rpc_method_(UnaryRpcMethod(method)),
        options_(options),
        request_(request.New()),
        response_(response),
        done_(std::move(done)),
        call_deadline_(CallDeadline(absl::Now(), method, options)) {
    request_->CopyFrom(request);
  }

  void StartAttempt() {
    ++attempt_;
    context_ = std::make_unique<grpc::ClientContext>();
    attempt_deadline_ = AttemptDeadline(absl::Now(), call_deadline_, method_.retry);
    PrepareContext(*context_, options_, attempt_deadline_);
    response_->Clear();
    grpc::internal::CallbackUnaryCall<Message, Message>(
        grpc_channel_.get(), rpc_method_, context_.get(), request_.get(), response_,
        [this](grpc::Status status) { OnAttemptDone(ToAbslStatus(status)); });
  }

 private:
  void OnAttemptDone(absl::Status status) {
    absl::Time now = absl::Now();
    bool per_try_timed_out = status.code() == absl::StatusCode::kDeadlineExceeded &&
                             attempt_deadline_ < call_deadline_;
    absl::Duration backoff = RetryBackoff(attempt_ + 1);
    if (ShouldRetry(method_, attempt_, status, per_try_timed_out) &&
        now + backoff < call_deadline_) {
      alarm_ = std::make_unique<grpc::Alarm>();
      alarm_->Set(absl::ToChronoTime(now + backoff), [this](bool) { StartAttempt(); });
      return;
    }
    std::function<void(absl::Status)> done = std::move(done_);
    delete this;
    done(std::move(status));
  }

  std::shared_ptr<grpc::Channel> grpc_channel_;
  const MethodInfo& method_;
  const grpc::internal::RpcMethod rpc_method_;
  const CallOptions options_;
  std::unique_ptr<Message> request_;
  Message* response_;
  std::function<void(absl::Status)> done_;
  const absl::Time call_deadline_;
  absl::Time attempt_deadline_;
  int attempt_ = 0;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::Alarm> alarm_;  // waits out the back-off before a retry
};

}  // namespace

absl::Status UnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                       const Message& request, Message* response) {
  grpc::Channel& grpc_channel = *ChannelAccess::Get(channel).grpc_channel;
  const grpc::internal::RpcMethod rpc_method = UnaryRpcMethod(method);
  const absl::Time call_deadline = CallDeadline(absl::Now(), method, options);
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    absl::Time attempt_deadline = AttemptDeadline(absl::Now(), call_deadline, method.retry);
    PrepareContext(context, options, attempt_deadline);
    response->Clear();
    absl::Status status = ToAbslStatus(grpc::internal::BlockingUnaryCall<Message, Message>(
        &grpc_channel, rpc_method, &context, request, response));
    absl::Time now = absl::Now();
    bool per_try_timed_out = status.code() == absl::StatusCode::kDeadlineExceeded &&
                             attempt_deadline < call_deadline;
    absl::Duration backoff = RetryBackoff(attempt + 1);
    if (!ShouldRetry(method, attempt, status, per_try_timed_out) ||
        now + backoff >= call_deadline) {
      return status;
    }
    absl::SleepFor(backoff);
  }
}

void UnaryCallAsync(Channel& channel, const MethodInfo& method, const CallOptions& options,
                    const Message& request, Message* response,
                    std::function<void(absl::Status)> done) {
  (new AsyncUnaryCall(channel, method, options, request, response, std::move(done)))
      ->StartAttempt();
}

}  // namespace meshup::internal
