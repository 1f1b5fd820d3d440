#include "security/transport.h"

#include "discovery/registry.h"

namespace meshup::internal {

Transport ChooseTransport(const EndpointInfo& endpoint, bool has_identity) {
  auto label = endpoint.labels.find(kTlsModeLabel);
  const bool serves_mtls = label != endpoint.labels.end() && label->second == "istio";
  const bool serves_plaintext = label != endpoint.labels.end() && label->second == "disabled";
  bool mtls = false;
  switch (endpoint.tls) {
    case TlsPolicy::kDisable:
      break;
    case TlsPolicy::kMutual:
      mtls = true;
      break;
    case TlsPolicy::kAuto:
      // Unlabeled endpoints (static ones from the configuration) get mTLS
      // when this workload has an identity.
      mtls = serves_mtls || (!serves_plaintext && has_identity);
      break;
  }
  if (!mtls) return Transport::kPlaintext;
  if (has_identity) return Transport::kMtls;
  // A PERMISSIVE workload also serves plaintext on a port of its own.
  if (endpoint.tls == TlsPolicy::kAuto && !endpoint.plaintext_address.empty()) {
    return Transport::kPlaintextPort;
  }
  return Transport::kNeedsIdentity;
}

}  // namespace meshup::internal
