// What a meshup::Channel holds, for the call pipeline's eyes only.
#ifndef MESHUP_SRC_CALL_CHANNEL_IMPL_H_
#define MESHUP_SRC_CALL_CHANNEL_IMPL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "meshup/channel.h"

namespace meshup {

struct Channel::Impl {
  std::string target;
  std::shared_ptr<grpc::Channel> grpc_channel;
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
