// One client call across its attempts: the part of the pipeline that the
// blocking, asynchronous and streaming call paths share; and what a
// meshup::Channel holds, which the calls run on.
//
//   ClientCallState call(channel, method, options);
//   status = call.Admit();                 // refusals, connection-pool limit
//   while (true) {
//     attempt = call.StartAttempt();       // endpoint and gRPC context
//     ... make the gRPC call on attempt->channel ...
//     backoff = call.EndAttempt(status);   // nullopt: the call is over
//   }
//
// The client filters (filters/client_filter.h: the user's interceptors,
// telemetry, fault injection) act at each step. The Router plans the call and
// the cluster manager picks each attempt's endpoint, for a mesh host and for
// a fixed address alike (a cluster of one endpoint, with the IDL's plan).
// Retries follow the plan (route or IDL), go to another endpoint when there
// is one, respect idempotency (a non-idempotent call is retried only when its
// request surely was not sent), the cluster's retry budget, and the call's
// deadline.
#ifndef MESHUP_SRC_CALL_CLIENT_CALL_STATE_H_
#define MESHUP_SRC_CALL_CLIENT_CALL_STATE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "call/live_calls.h"
#include "grpcpp/client_context.h"
#include "meshup/call_options.h"
#include "meshup/channel.h"
#include "meshup/interceptor.h"
#include "meshup/method_info.h"
#include "routing/router.h"
#include "telemetry/telemetry.h"
#include "telemetry/trace_context.h"
#include "upstream/cluster_manager.h"

namespace meshup {

// What a meshup::Channel holds, for the call pipeline's eyes only: the
// cluster its calls go to (a service of the mesh, or one fixed "host:port"),
// the Router that plans them and the cluster manager that places them.
struct Channel::Impl {
  std::string target;
  // The router and the cluster manager belong to the Mesh; `cluster` is one
  // of the manager's (from Get() or ForAddress()).
  internal::Router* router = nullptr;
  internal::ClusterManager* clusters = nullptr;
  std::shared_ptr<internal::Cluster> cluster;
  // The Mesh's telemetry; null in tests of the pipeline without one.
  internal::Telemetry* telemetry = nullptr;
  std::string namespace_name;  // of the calling workload: names the destination service
  // The Mesh's client interceptors (a copy: a call may end after the Mesh).
  std::vector<std::shared_ptr<ClientInterceptor>> interceptors;
  // The Mesh's calls in flight; null in tests of the pipeline without a Mesh.
  // Once closed, the router, cluster manager and telemetry above are gone.
  std::shared_ptr<internal::LiveCalls> live_calls;
  // The channel itself: a call that outlives its caller's client keeps it.
  std::weak_ptr<Channel> self;
};

namespace internal {

struct ChannelAccess {
  static std::shared_ptr<Channel> Make(std::unique_ptr<Channel::Impl> impl) {
    Channel::Impl* state = impl.get();
    std::shared_ptr<Channel> channel(new Channel(std::move(impl)));
    state->self = channel;
    return channel;
  }
  // A reference that keeps `channel` alive (every Channel is made by Make()).
  static std::shared_ptr<Channel> Share(Channel& channel) { return channel.impl_->self.lock(); }
  // The error of a call on a channel whose Mesh is gone; OK while it lives.
  static absl::Status CheckMeshAlive(const Channel::Impl& channel) {
    if (channel.live_calls != nullptr && channel.live_calls->closed()) {
      return LiveCalls::MeshGoneError();
    }
    return absl::OkStatus();
  }
  static Channel::Impl& Get(Channel& channel) { return *channel.impl_; }
};

}  // namespace internal
}  // namespace meshup

namespace meshup::internal {

class ClientFilter;  // filters/client_filter.h

// What the client filters keep for one call (filters/client_filter.h):
// filters are shared, so their per-call state lives in the call.
struct ClientCallSlots {
  // The telemetry filter's span, and its parent's id (zero: a root span).
  TraceContext span;
  SpanId parent_span{};
  // The interceptor filter's view of the call for the user's interceptors,
  // and how many of them started it.
  std::optional<ClientCallInfo> intercepted;
  size_t interceptors_started = 0;
};

class ClientCallState {
 public:
  // Runs the filters' OnStart() (the user's interceptors first), then plans
  // the call unless one of them refused it.
  ClientCallState(Channel& channel, const MethodInfo& method, const CallOptions& options);
  ~ClientCallState();
  ClientCallState(const ClientCallState&) = delete;
  ClientCallState& operator=(const ClientCallState&) = delete;

  // How long to pause before Admit(): what the filters ask for (an injected
  // delay; zero when none), up to the call's deadline.
  absl::Duration delay() const;
  // A refusal by a filter (an interceptor, an injected abort), a bad header,
  // connection-pool overflow, or a deadline already passed (after the
  // delay): a non-OK status ends the call before any attempt.
  absl::Status Admit();
  // Ends the call before any attempt with `status`, the mesh's own answer (a
  // bad header, a request that cannot be serialized): telemetry reports it
  // as the call's result. Returns `status`.
  absl::Status Refuse(absl::Status status);
  // Picks the next attempt's endpoint and prepares a fresh context for it.
  // Non-OK when no endpoint can serve.
  absl::StatusOr<grpc::Channel*> StartAttempt();
  grpc::ClientContext& context() { return *context_; }
  // Ends the current attempt with `status`; returns how long to wait before
  // the next one, or nullopt when `status` is the call's result.
  std::optional<absl::Duration> EndAttempt(const absl::Status& status);
  // The sizes of the call's messages, for istio_request_bytes and
  // istio_response_bytes: a unary call's messages, or a stream's totals.
  void SetMessageSizes(uint64_t request_bytes, uint64_t response_bytes) {
    request_bytes_ = request_bytes;
    response_bytes_ = response_bytes;
  }

  // Gives back the call's place in the connection pool and runs the filters'
  // OnEnd() (telemetry reports the call, then the user's interceptors see the
  // result) now, instead of when it is destroyed. Once only.
  void Close();
  // For a call that outlives its Mesh (a stream the user still holds), under
  // the Mesh's locks: does the part of Close() that touches the Mesh; the
  // rest (the user's interceptors) runs at Close() or destruction. Nothing of
  // the Mesh is touched after.
  void CloseMeshSide();

  // For the filters and the call paths.
  Channel::Impl& channel() const { return channel_; }
  const MethodInfo& method() const { return method_; }
  // The call's options: the caller's, as the filters changed them.
  const CallOptions& options() const { return *options_; }
  // The options to change: a copy of the caller's, made on first use.
  CallOptions& MutableOptions();
  const CallPlan& plan() const { return plan_; }
  ClusterManager* clusters() const { return channel_.clusters; }
  absl::Time start() const { return start_; }
  // The call's result once known.
  const std::optional<absl::Status>& result() const { return result_; }
  // Whether the mesh answered the call itself (a refusal, a deadline it
  // enforced, a connection that never carried the request).
  bool answered_by_mesh() const { return answered_by_mesh_; }
  // The endpoint of the last attempt; null when the call reached none.
  UpstreamEndpoint* last_endpoint() const { return last_attempt_.endpoint; }
  uint64_t request_bytes() const { return request_bytes_; }
  uint64_t response_bytes() const { return response_bytes_; }
  ClientCallSlots& slots() { return slots_; }

 private:
  Channel::Impl& channel_;
  const MethodInfo& method_;
  const CallOptions* options_;
  std::optional<CallOptions> own_options_;  // MutableOptions()'s copy
  CallPlan plan_;
  // The filters, how many of them started the call, and the refusal of the
  // one that refused it, if any.
  absl::Span<const ClientFilter* const> filters_;
  size_t filters_started_ = 0;
  absl::Status refused_at_start_;
  bool admitted_ = false;
  bool mesh_side_closed_ = false;
  bool closed_ = false;
  int attempt_number_ = 0;
  Attempt attempt_;
  absl::Time attempt_deadline_;
  grpc_connectivity_state state_before_attempt_ = GRPC_CHANNEL_IDLE;
  std::unique_ptr<grpc::ClientContext> context_;
  absl::InlinedVector<Endpoint*, 4> tried_;  // no allocation for a few attempts

  // EndAttempt's decision; `not_sent` tells whether the request surely never
  // left.
  std::optional<absl::Duration> NextAttempt(const absl::Status& status, bool& not_sent);
  const absl::Time start_;
  std::optional<absl::Status> result_;  // set once the call's result is known
  bool answered_by_mesh_ = false;
  Attempt last_attempt_;  // keeps the last endpoint alive for the report
  uint64_t request_bytes_ = 0, response_bytes_ = 0;
  ClientCallSlots slots_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_CALL_CLIENT_CALL_STATE_H_
