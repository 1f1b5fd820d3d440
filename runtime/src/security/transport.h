// How a client reaches one endpoint: mTLS, plaintext, the plaintext port of a
// PERMISSIVE workload, or not at all (mTLS needed, no identity). Decided from
// the DestinationRule's tls mode (EndpointInfo::tls), the endpoint's
// security.istio.io/tlsMode label, and whether this workload has an identity;
// docs/security.md explains the rules.
#ifndef MESHUP_SRC_SECURITY_TRANSPORT_H_
#define MESHUP_SRC_SECURITY_TRANSPORT_H_

#include "upstream/endpoint.h"

namespace meshup::internal {

enum class Transport { kMtls, kPlaintext, kPlaintextPort, kNeedsIdentity };

Transport ChooseTransport(const EndpointInfo& endpoint, bool has_identity);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_TRANSPORT_H_
