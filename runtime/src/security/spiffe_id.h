// SPIFFE IDs of Kubernetes-style workloads:
//   spiffe://<trust domain>/ns/<namespace>/sa/<service account>
#ifndef MESHUP_SRC_SECURITY_SPIFFE_ID_H_
#define MESHUP_SRC_SECURITY_SPIFFE_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshup::internal {

struct SpiffeId {
  std::string trust_domain;
  std::string namespace_name;
  std::string service_account;

  std::string ToString() const;
  bool operator==(const SpiffeId& other) const {
    return trust_domain == other.trust_domain && namespace_name == other.namespace_name &&
           service_account == other.service_account;
  }
};

// Parses a SPIFFE ID of the form above; anything else (another scheme, a
// path of another shape, empty or invalid segments, percent-encoding, a
// query or fragment) is InvalidArgument naming what is wrong.
absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view uri);

// A trust domain: lowercase letters, digits, '-', '.' and '_' (the SPIFFE
// spec's set), 1 to 255 characters.
bool IsTrustDomain(absl::string_view name);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_SPIFFE_ID_H_
