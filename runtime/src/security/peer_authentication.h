// Which PeerAuthentication mode applies to a workload, as Istio decides it:
// a policy in the workload's namespace whose selector matches its labels,
// else one in its namespace with no selector, else a mesh-wide one (the root
// namespace, istio-system, no selector); else STRICT, MeshUp's default.
// Within one level the first policy in file order wins.
#ifndef MESHUP_SRC_SECURITY_PEER_AUTHENTICATION_H_
#define MESHUP_SRC_SECURITY_PEER_AUTHENTICATION_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "config/snapshot.h"

namespace meshup::internal {

struct PeerMode {
  config::PeerAuthentication::Mode mode = config::PeerAuthentication::Mode::kStrict;
  // The policy that decided it; nullptr for the default.
  const config::PeerAuthentication* policy = nullptr;
};

PeerMode EffectivePeerMode(const config::Snapshot& snapshot, absl::string_view namespace_name,
                           const std::map<std::string, std::string>& labels);

// "STRICT", "PERMISSIVE" or "DISABLE".
absl::string_view PeerModeName(config::PeerAuthentication::Mode mode);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_PEER_AUTHENTICATION_H_
