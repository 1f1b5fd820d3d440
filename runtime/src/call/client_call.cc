// The client call pipeline for unary calls: faults, limits, attempts and
// retries (ClientCallState decides), on gRPC's blocking and callback calls.
#include "meshup/internal/client_call.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "call/grpc_handover.h"  // first: how gRPC serializes Message

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "call/client_call_state.h"
#include "call/grpc_status.h"
#include "grpcpp/alarm.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"
#include "util/tsan.h"

namespace meshup::internal {
namespace {

using google::protobuf::Message;

grpc::internal::RpcMethod UnaryRpcMethod(const MethodInfo& method) {
  return grpc::internal::RpcMethod(method.path.data(), grpc::internal::RpcMethod::NORMAL_RPC);
}

// The request's bytes, serialized once: every attempt of an asynchronous
// call and the mirror send them without copying the message.
absl::StatusOr<grpc::ByteBuffer> Serialize(const Message& request) {
  grpc::ByteBuffer bytes;
  bool owned = false;
  grpc::Status status = grpc::SerializationTraits<Message>::Serialize(request, &bytes, &owned);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot serialize the request: ", status.error_message()));
  }
  return bytes;
}

// A fire-and-forget copy of a call, for a route's mirror: its response and
// status are dropped. Owns itself until gRPC reports the end.
class MirroredCall {
 public:
  static void Start(Router& router, const CallPlan& origin, const MethodInfo& method,
                    const CallOptions& options, const grpc::ByteBuffer& request,
                    const Message& response_prototype) {
    CallPlan plan;
    plan.host = origin.mirror_host;
    plan.subset = origin.mirror_subset;
    absl::StatusOr<Attempt> attempt = router.Pick(plan, {}, router.clock().Now());
    if (!attempt.ok()) return;
    auto* call = new MirroredCall(method, request, response_prototype, *std::move(attempt));
    if (origin.deadline != absl::InfiniteFuture()) {
      call->context_->set_deadline(absl::ToChronoTime(origin.deadline));
    }
    for (const auto& [name, value] : origin.RequestHeaders(options)) {
      call->context_->AddMetadata(name, value);
    }
    grpc::Channel* channel = call->attempt_.endpoint->channel();
    HandOffToGrpc(call->response_.get());
    HandOffToGrpc(call);
    GrpcCode in_grpc;
    grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, Message>(
        channel, call->rpc_method_, call->context_.get(), &call->request_, call->response_.get(),
        [call](grpc::Status) {
          TakeOverFromGrpc(call);
          delete call;
        });
  }

 private:
  MirroredCall(const MethodInfo& method, const grpc::ByteBuffer& request,
               const Message& response_prototype, Attempt attempt)
      : rpc_method_(UnaryRpcMethod(method)),
        request_(request),  // shares the bytes
        response_(response_prototype.New()),
        attempt_(std::move(attempt)) {}

  const grpc::internal::RpcMethod rpc_method_;
  const std::unique_ptr<grpc::ClientContext> context_ = NewClientContext();
  const grpc::ByteBuffer request_;
  std::unique_ptr<Message> response_;
  Attempt attempt_;  // keeps the endpoint and its channel alive
};

// Whether the call's route mirrors it to another host.
bool Mirrored(const ClientCallState& call) {
  return call.router() != nullptr && call.plan().mirror_host != nullptr;
}

// One attempt of a blocking call, on the caller's thread.
absl::Status BlockingAttempt(grpc::Channel* channel, const grpc::internal::RpcMethod& rpc_method,
                             grpc::ClientContext& context, const Message& request,
                             Message* response) {
  grpc::Status status;
  {
    GrpcCode in_grpc;
    status = grpc::internal::BlockingUnaryCall<Message, Message>(channel, rpc_method, &context,
                                                                 request, response);
  }
  return ToAbslStatus(status);
}

// The time left before `deadline`, for waiting out an injected delay.
absl::Duration DelayBefore(absl::Duration delay, absl::Time deadline) {
  return std::min(delay, deadline - absl::Now());
}

// One asynchronous call across its attempts. Owns itself until `done` ran.
class AsyncUnaryCall {
 public:
  AsyncUnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                 const Message& request, Message* response, std::function<void(absl::Status)> done)
      : method_(method),
        options_(options),
        call_(channel, method_, options_),
        rpc_method_(UnaryRpcMethod(method)),
        request_(Serialize(request)),
        response_(response),
        done_(std::move(done)) {}

  void Start() {
    in_caller_thread_ = true;
    if (call_.delay() > absl::ZeroDuration()) {
      After(DelayBefore(call_.delay(), call_.plan().deadline), [this] { Admit(); });
    } else {
      Admit();
    }
    in_caller_thread_ = false;
  }

 private:
  void Admit() {
    if (!request_.ok()) return Finish(call_.Refuse(request_.status()));
    absl::Status admitted = call_.Admit();
    if (!admitted.ok()) return Finish(std::move(admitted));
    if (Mirrored(call_)) {
      MirroredCall::Start(*call_.router(), call_.plan(), method_, options_, *request_, *response_);
    }
    StartAttempt();
  }

  void StartAttempt() {
    response_->Clear();
    absl::StatusOr<grpc::Channel*> channel = call_.StartAttempt();
    if (!channel.ok()) return OnAttemptDone(channel.status());
    grpc::ClientContext* context = &call_.context();
    HandOffToGrpc(response_);
    HandOffToGrpc(this);  // then, nothing of the call is touched outside gRPC
    GrpcCode in_grpc;
    grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, Message>(
        *channel, rpc_method_, context, &*request_, response_, [this](grpc::Status status) {
          TakeOverFromGrpc(this);
          OnAttemptDone(ToAbslStatus(status));
        });
  }

  void OnAttemptDone(absl::Status status) {
    std::optional<absl::Duration> backoff = call_.EndAttempt(status);
    if (backoff) return After(*backoff, [this] { StartAttempt(); });
    Finish(std::move(status));
  }

  void After(absl::Duration wait, std::function<void()> then) {
    alarm_ = std::make_unique<grpc::Alarm>();
    grpc::Alarm& alarm = *alarm_;
    const auto deadline = absl::ToChronoTime(absl::Now() + wait);
    HandOffToGrpc(this);
    GrpcCode in_grpc;
    alarm.Set(deadline, [this, then = std::move(then)](bool) {
      TakeOverFromGrpc(this);
      then();
    });
  }

  void Finish(absl::Status status) {
    // `done` never runs on the caller's thread, which may hold a lock `done`
    // takes: a call that ends before it started finishes on a runtime thread.
    if (in_caller_thread_) {
      return After(absl::ZeroDuration(), [this, status] { Finish(status); });
    }
    call_.SetMessageSizes(request_.ok() ? request_->Length() : 0,
                          status.ok() ? response_->ByteSizeLong() : 0);
    std::function<void(absl::Status)> done = std::move(done_);
    delete this;
    done(std::move(status));
  }

  const MethodInfo& method_;
  const CallOptions options_;  // a copy: the caller's may be gone
  ClientCallState call_;
  const grpc::internal::RpcMethod rpc_method_;
  const absl::StatusOr<grpc::ByteBuffer> request_;
  Message* response_;
  std::function<void(absl::Status)> done_;
  std::unique_ptr<grpc::Alarm> alarm_;  // waits out a delay or a back-off
  // Written by the caller's thread in Start(), read by whichever thread
  // finishes the call (a gRPC thread when the attempt completes at once).
  std::atomic<bool> in_caller_thread_{false};
};

}  // namespace

absl::Status UnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                       const Message& request, Message* response) {
  ClientCallState call(channel, method, options);
  if (call.delay() > absl::ZeroDuration()) {
    absl::SleepFor(DelayBefore(call.delay(), call.plan().deadline));
  }
  absl::Status admitted = call.Admit();
  if (!admitted.ok()) return admitted;
  if (Mirrored(call)) {
    absl::StatusOr<grpc::ByteBuffer> bytes = Serialize(request);
    if (bytes.ok()) {
      MirroredCall::Start(*call.router(), call.plan(), method, options, *bytes, *response);
    }
  }
  const grpc::internal::RpcMethod rpc_method = UnaryRpcMethod(method);
  while (true) {
    response->Clear();
    absl::StatusOr<grpc::Channel*> target = call.StartAttempt();
    absl::Status status = target.ok() ? BlockingAttempt(*target, rpc_method, call.context(),
                                                        request, response)
                                      : target.status();
    std::optional<absl::Duration> backoff = call.EndAttempt(status);
    if (!backoff) {
      call.SetMessageSizes(request.ByteSizeLong(), status.ok() ? response->ByteSizeLong() : 0);
      return status;
    }
    absl::SleepFor(*backoff);
  }
}

void UnaryCallAsync(Channel& channel, const MethodInfo& method, const CallOptions& options,
                    const Message& request, Message* response,
                    std::function<void(absl::Status)> done) {
  (new AsyncUnaryCall(channel, method, options, request, response, std::move(done)))->Start();
}

}  // namespace meshup::internal
