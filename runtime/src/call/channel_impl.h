// What a meshup::Channel holds, for the call pipeline's eyes only: either one
// static endpoint ("host:port"), or a host of the mesh and the Router that
// routes its calls.
#ifndef MESHUP_SRC_CALL_CHANNEL_IMPL_H_
#define MESHUP_SRC_CALL_CHANNEL_IMPL_H_

#include <memory>
#include <string>

#include "meshup/channel.h"
#include "routing/router.h"
#include "telemetry/telemetry.h"

namespace meshup {

struct Channel::Impl {
  std::string target;
  // A static target: its one endpoint.
  std::shared_ptr<internal::RoutedEndpoint> endpoint;
  // A mesh host: routed per call. The router belongs to the Mesh.
  internal::Router* router = nullptr;
  std::shared_ptr<internal::HostEntry> host;
  // The Mesh's telemetry; null in tests of the pipeline without one.
  internal::Telemetry* telemetry = nullptr;
  std::string namespace_name;  // of the calling workload: names the destination service
};

namespace internal {

struct ChannelAccess {
  static std::shared_ptr<Channel> Make(std::unique_ptr<Channel::Impl> impl) {
    return std::shared_ptr<Channel>(new Channel(std::move(impl)));
  }
  static Channel::Impl& Get(Channel& channel) { return *channel.impl_; }
};

}  // namespace internal
}  // namespace meshup

#endif  // MESHUP_SRC_CALL_CHANNEL_IMPL_H_
