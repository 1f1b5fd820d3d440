// A client's connection to a destination in the mesh.
//
// A Channel is made by Mesh::Connect() and shared by any number of generated
// clients (`Svc::Client`) and threads. It is safe to use from several threads
// at once. It reaches a service of the mesh, routed per call, or one static
// address ("host:port"); see Mesh::Connect(). Asynchronous calls and streams
// keep the channel alive until they end.
#ifndef MESHUP_CHANNEL_H_
#define MESHUP_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace meshup {

namespace internal {
struct ChannelAccess;
}  // namespace internal

class Channel {
 public:
  // The runtime's state behind the API; opaque to users.
  struct Impl;

  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // The target this channel was made for, as given to Mesh::Connect().
  absl::string_view target() const;

 private:
  friend class Mesh;
  friend struct internal::ChannelAccess;
  explicit Channel(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace meshup

#endif  // MESHUP_CHANNEL_H_
