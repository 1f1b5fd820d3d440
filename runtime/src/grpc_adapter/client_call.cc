// The client call pipeline for unary calls: faults, limits, attempts and
// retries (ClientCallState decides), on gRPC's blocking and callback calls.
#include "meshup/internal/client_call.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "call/client_call_state.h"
#include "call/live_calls.h"
#include "grpc_adapter/client_context.h"
#include "grpc_adapter/handover.h"
#include "grpc_adapter/message_bytes.h"
#include "grpc_adapter/status.h"
#include "grpcpp/alarm.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"

namespace meshup::internal {
namespace {

using google::protobuf::Message;

grpc::internal::RpcMethod UnaryRpcMethod(const MethodInfo& method) {
  return grpc::internal::RpcMethod(method.path.data(), grpc::internal::RpcMethod::NORMAL_RPC);
}

// A fire-and-forget copy of a call, for a route's mirror: its response and
// status are dropped. Holds itself (self_) until gRPC reports the end, and
// registers with the Mesh's live calls, so that destroying the Mesh cancels
// it and waits for its end, as for the call it copies.
class MirroredCall final : public LiveCall, public std::enable_shared_from_this<MirroredCall> {
 public:
  MirroredCall(const MethodInfo& method, const grpc::ByteBuffer& request, Attempt attempt)
      : rpc_method_(UnaryRpcMethod(method)),
        request_(request),  // shares the bytes
        attempt_(std::move(attempt)) {}

  static void Start(const ClientCallState& origin, const MethodInfo& method,
                    const grpc::ByteBuffer& request) {
    ClusterManager& clusters = *origin.clusters();
    CallPlan plan;
    plan.cluster = origin.plan().mirror_cluster;
    plan.subset = origin.plan().mirror_subset;
    absl::StatusOr<Attempt> attempt = PickEndpoint(clusters, plan, {}, clusters.clock().Now());
    if (!attempt.ok()) return;
    auto call = std::make_shared<MirroredCall>(method, request, *std::move(attempt));
    call->registration_.emplace(origin.channel().live_calls, call.get());
    if (!call->registration_->admitted()) return;  // the Mesh is going
    if (origin.plan().deadline != absl::InfiniteFuture()) {
      call->context_->set_deadline(absl::ToChronoTime(origin.plan().deadline));
    }
    for (const auto& [name, value] : origin.plan().RequestHeaders(origin.options())) {
      call->context_->AddMetadata(name, value);
    }
    call->self_ = call;
    MirroredCall* raw = call.get();
    grpc::Channel* channel = raw->attempt_.endpoint->channel();
    HandOffToGrpc(raw);
    GrpcCode in_grpc;
    grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel, raw->rpc_method_, raw->context_.get(), &raw->request_, raw->response_.get(),
        [raw](grpc::Status) {
          TakeOverFromGrpc(raw);
          raw->Finish();
        });
  }

  Ending EndForShutdown() override { return Ending::kCancel; }
  void CancelForShutdown() override { context_->TryCancel(); }
  std::shared_ptr<LiveCall> KeepAlive() override { return shared_from_this(); }

 private:
  void Finish() {
    registration_->StopCancels();
    LiveCalls::Registration registration = *std::move(registration_);
    // The copy goes (with its endpoint) unless a cancel holds it, then when
    // that ends: before Leave() either way.
    std::shared_ptr<MirroredCall> self = std::move(self_);
    self.reset();
    registration.Leave();  // now the Mesh may go
  }

  const grpc::internal::RpcMethod rpc_method_;
  const std::unique_ptr<grpc::ClientContext> context_ = NewClientContext();
  const grpc::ByteBuffer request_;
  const std::unique_ptr<grpc::ByteBuffer> response_ = NewForGrpc<grpc::ByteBuffer>();
  Attempt attempt_;  // keeps the endpoint and its channel alive
  std::optional<LiveCalls::Registration> registration_;
  std::shared_ptr<MirroredCall> self_;  // until Finish()
};

// Whether the call's route mirrors it to another host.
bool Mirrored(const ClientCallState& call) { return call.plan().mirror_cluster != nullptr; }

// One attempt of a blocking call, on the caller's thread, which parses the
// response once gRPC returned it.
absl::Status BlockingAttempt(grpc::Channel* channel, const grpc::internal::RpcMethod& rpc_method,
                             grpc::ClientContext& context, const grpc::ByteBuffer& request,
                             Message* response) {
  grpc::ByteBuffer response_bytes;
  grpc::Status status;
  {
    GrpcCode in_grpc;
    status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel, rpc_method, &context, request, &response_bytes);
  }
  if (!status.ok()) return ToAbslStatus(status);
  return ParseResponse(response_bytes, *response);
}

// One asynchronous call across its attempts. Holds itself (self_) until
// `done` ran, and keeps its channel alive: the caller's client may go first.
// Destroying the Mesh cancels it and waits for `done` (see live_calls.h).
class AsyncUnaryCall final : public LiveCall, public std::enable_shared_from_this<AsyncUnaryCall> {
 public:
  AsyncUnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                 Message* response, std::function<void(absl::Status)> done)
      : channel_(ChannelAccess::Share(channel)),
        method_(method),
        options_(options),
        rpc_method_(UnaryRpcMethod(method)),
        response_(response),
        done_(std::move(done)) {}

  static void Start(Channel& channel, const MethodInfo& method, const CallOptions& options,
                    const Message& request, Message* response,
                    std::function<void(absl::Status)> done) {
    auto call =
        std::make_shared<AsyncUnaryCall>(channel, method, options, response, std::move(done));
    call->self_ = call;
    call->registration_.emplace(ChannelAccess::Get(channel).live_calls, call.get());
    call->in_caller_thread_ = true;
    if (!call->registration_->admitted()) {
      // The Mesh is gone: nothing of it may be touched.
      call->Finish(LiveCalls::MeshGoneError());
    } else {
      call->call_.emplace(channel, call->method_, call->options_);
      call->request_status_ = SerializeMessage(request, call->request_);
      call->Begin();
    }
    call->in_caller_thread_ = false;
  }

  Ending EndForShutdown() override {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;  // no attempt starts from now on
    return Ending::kCancel;
  }

  void CancelForShutdown() override {
    grpc::ClientContext* context;
    std::vector<grpc::Alarm*> alarms;
    {
      std::lock_guard<std::mutex> lock(mu_);
      context = context_in_flight_;
      for (const auto& alarm : alarms_) alarms.push_back(alarm.get());
    }
    // Both stay: no attempt (with a new context) starts, alarms are kept.
    if (context != nullptr) context->TryCancel();
    for (grpc::Alarm* alarm : alarms) alarm->Cancel();
  }

  std::shared_ptr<LiveCall> KeepAlive() override { return shared_from_this(); }

 private:
  void Begin() {
    if (const absl::Duration delay = call_->delay(); delay > absl::ZeroDuration()) {
      After(delay, [this] { Admit(); });
    } else {
      Admit();
    }
  }

  void Admit() {
    if (!request_status_.ok()) return Finish(call_->Refuse(request_status_));
    absl::Status admitted = call_->Admit();
    if (!admitted.ok()) return Finish(std::move(admitted));
    if (Mirrored(*call_)) {
      MirroredCall::Start(*call_, method_, request_);
    }
    StartAttempt();
  }

  void StartAttempt() {
    response_->Clear();
    absl::StatusOr<grpc::Channel*> channel;
    grpc::ClientContext* context = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) {
        channel = absl::CancelledError("the Mesh was destroyed while the call was in flight");
      } else {
        channel = call_->StartAttempt();  // a new context: the last one goes
        if (channel.ok()) context_in_flight_ = context = &call_->context();
      }
    }
    if (!channel.ok()) return OnAttemptDone(channel.status());
    response_bytes_ = NewForGrpc<grpc::ByteBuffer>();  // each attempt's own
    HandOffToGrpc(this);  // then, nothing of the call is touched outside gRPC
    GrpcCode in_grpc;
    grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        *channel, rpc_method_, context, &request_, response_bytes_.get(),
        [this](grpc::Status status) {
          TakeOverFromGrpc(this);
          OnAttemptDone(status.ok() ? ParseResponse(*response_bytes_, *response_)
                                    : ToAbslStatus(status));
        });
  }

  void OnAttemptDone(absl::Status status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      context_in_flight_ = nullptr;
    }
    std::optional<absl::Duration> backoff = call_->EndAttempt(status);
    if (backoff) return After(*backoff, [this] { StartAttempt(); });
    Finish(std::move(status));
  }

  // Runs `then` after `wait` on a runtime thread (an alarm of gRPC's).
  // Alarms are kept until the call goes, so that CancelForShutdown() can
  // cancel any of them; a call sets a few at most (delay, back-offs).
  void After(absl::Duration wait, std::function<void()> then) {
    grpc::Alarm* alarm;
    bool shutting_down;
    {
      std::lock_guard<std::mutex> lock(mu_);
      alarm = alarms_.emplace_back(std::make_unique<grpc::Alarm>()).get();
      shutting_down = shutting_down_;
    }
    const auto deadline =
        absl::ToChronoTime(absl::Now() + (shutting_down ? absl::ZeroDuration() : wait));
    HandOffToGrpc(this);
    GrpcCode in_grpc;
    alarm->Set(deadline, [this, then = std::move(then)](bool) {
      TakeOverFromGrpc(this);
      then();
    });
  }

  void Finish(absl::Status status) {
    // `done` never runs on the caller's thread, which may hold a lock `done`
    // takes: a call that ends before it started finishes on a runtime thread.
    if (in_caller_thread_) {
      // Kept in the call, not in the alarm's closure, which outlives `done`
      // on the alarm's thread: the status (a shared rep) is then released
      // only where `done` put it.
      deferred_status_ = std::move(status);
      return After(absl::ZeroDuration(), [this] { Complete(*std::move(deferred_status_)); });
    }
    Complete(std::move(status));
  }

  void Complete(absl::Status status) {
    if (call_) {
      call_->SetMessageSizes(request_status_.ok() ? request_.Length() : 0,
                             status.ok() ? response_->ByteSizeLong() : 0);
      // Telemetry and the user's interceptors end the call here, on this
      // runtime thread, before `done`.
      call_->Close();
    }
    std::function<void(absl::Status)> done = std::move(done_);
    registration_->StopCancels();
    LiveCalls::Registration registration = *std::move(registration_);
    // The call goes (and reports its telemetry) unless a cancel holds it,
    // then when that ends: before Leave() either way.
    std::shared_ptr<AsyncUnaryCall> self = std::move(self_);
    self.reset();
    done(std::move(status));
    registration.Leave();  // now the Mesh may go
  }

  const std::shared_ptr<Channel> channel_;  // the client may go first
  std::shared_ptr<AsyncUnaryCall> self_;    // until Finish()
  std::optional<LiveCalls::Registration> registration_;
  const MethodInfo& method_;
  const CallOptions options_;            // a copy: the caller's may be gone
  std::optional<ClientCallState> call_;  // empty when the Mesh was gone
  const grpc::internal::RpcMethod rpc_method_;
  grpc::ByteBuffer request_;
  absl::Status request_status_ = absl::CancelledError("not serialized");
  Message* response_;
  // The attempt's response as gRPC wrote it, parsed into response_ once the
  // attempt's callback took the call over.
  std::unique_ptr<grpc::ByteBuffer> response_bytes_;
  std::function<void(absl::Status)> done_;
  std::optional<absl::Status> deferred_status_;  // Finish()'s, until Complete() runs
  std::mutex mu_;  // guards the three below, which CancelForShutdown() reads
  bool shutting_down_ = false;
  grpc::ClientContext* context_in_flight_ = nullptr;
  std::vector<std::unique_ptr<grpc::Alarm>> alarms_;
  // Written by the caller's thread in Start(), read by whichever thread
  // finishes the call (a gRPC thread when the attempt completes at once).
  std::atomic<bool> in_caller_thread_{false};
};

}  // namespace

absl::Status UnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                       const Message& request, Message* response) {
  if (absl::Status alive = ChannelAccess::CheckMeshAlive(ChannelAccess::Get(channel));
      !alive.ok()) {
    return alive;
  }
  ClientCallState call(channel, method, options);
  if (const absl::Duration delay = call.delay(); delay > absl::ZeroDuration()) {
    absl::SleepFor(delay);
  }
  // The request's bytes, serialized once: every attempt and the mirror
  // send them.
  grpc::ByteBuffer request_bytes;
  if (absl::Status serialized = SerializeMessage(request, request_bytes); !serialized.ok()) {
    return call.Refuse(std::move(serialized));
  }
  absl::Status admitted = call.Admit();
  if (!admitted.ok()) return admitted;
  if (Mirrored(call)) {
    MirroredCall::Start(call, method, request_bytes);
  }
  const grpc::internal::RpcMethod rpc_method = UnaryRpcMethod(method);
  while (true) {
    response->Clear();
    absl::StatusOr<grpc::Channel*> target = call.StartAttempt();
    absl::Status status =
        target.ok() ? BlockingAttempt(*target, rpc_method, call.context(), request_bytes, response)
                    : target.status();
    std::optional<absl::Duration> backoff = call.EndAttempt(status);
    if (!backoff) {
      call.SetMessageSizes(request_bytes.Length(), status.ok() ? response->ByteSizeLong() : 0);
      return status;
    }
    absl::SleepFor(*backoff);
  }
}

void UnaryCallAsync(Channel& channel, const MethodInfo& method, const CallOptions& options,
                    const Message& request, Message* response,
                    std::function<void(absl::Status)> done) {
  AsyncUnaryCall::Start(channel, method, options, request, response, std::move(done));
}

}  // namespace meshup::internal
