// What a meshup::Channel holds, for the call pipeline's eyes only: the
// cluster its calls go to (a service of the mesh, or one fixed "host:port"),
// the Router that plans them and the cluster manager that places them.
#ifndef MESHUP_SRC_CALL_CHANNEL_IMPL_H_
#define MESHUP_SRC_CALL_CHANNEL_IMPL_H_

#include <memory>
#include <string>
#include <vector>

#include "call/live_calls.h"
#include "meshup/channel.h"
#include "meshup/interceptor.h"
#include "routing/router.h"
#include "upstream/cluster_manager.h"
#include "telemetry/telemetry.h"

namespace meshup {

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

#endif  // MESHUP_SRC_CALL_CHANNEL_IMPL_H_
