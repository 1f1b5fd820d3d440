#include "security/peer_authentication.h"

#include "security/authorizer.h"

namespace meshup::internal {
PeerMode EffectivePeerMode(const config::Snapshot& snapshot, absl::string_view namespace_name,
                           const std::map<std::string, std::string>& labels) {
  const config::PeerAuthentication* workload_wide = nullptr;
  const config::PeerAuthentication* namespace_wide = nullptr;
  const config::PeerAuthentication* mesh_wide = nullptr;
  for (const config::PeerAuthentication& policy : snapshot.peer_authentications) {
    const std::string& policy_namespace = policy.origin.namespace_name;
    if (policy_namespace == namespace_name) {
      if (!policy.selector.empty()) {
        if (workload_wide == nullptr && config::SelectorMatches(policy.selector, labels)) {
          workload_wide = &policy;
        }
      } else if (namespace_wide == nullptr) {
        namespace_wide = &policy;
      }
    } else if (policy_namespace == kRootNamespace && policy.selector.empty() &&
               mesh_wide == nullptr) {
      mesh_wide = &policy;
    }
  }
  for (const config::PeerAuthentication* policy : {workload_wide, namespace_wide, mesh_wide}) {
    if (policy != nullptr) return PeerMode{policy->mode, policy};
  }
  return PeerMode{};
}

absl::string_view PeerModeName(config::PeerAuthentication::Mode mode) {
  switch (mode) {
    case config::PeerAuthentication::Mode::kStrict:
      return "STRICT";
    case config::PeerAuthentication::Mode::kPermissive:
      return "PERMISSIVE";
    case config::PeerAuthentication::Mode::kDisable:
      return "DISABLE";
  }
  return "STRICT";
}

}  // namespace meshup::internal
