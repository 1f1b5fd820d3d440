// Authorization as Istio evaluates AuthorizationPolicy for a workload:
//   1. a policy applies to the workload when it is in the workload's
//      namespace (or the mesh's root namespace, istio-system) and its
//      selector's labels are all on the workload;
//   2. if any applying DENY policy matches the request, it is denied;
//   3. otherwise, if any ALLOW policy applies, the request must match one;
//   4. otherwise it is allowed.
// A policy matches when any of its rules does; a rule when its `from` (any
// source), `to` (any operation) and every `when` condition hold. The path is
// the method's canonical gRPC path, never the raw request line, so no
// spelling of a path (`//`, `/./`, percent-encoding, case) can reach a
// method another way.
#ifndef MESHUP_SRC_SECURITY_AUTHORIZER_H_
#define MESHUP_SRC_SECURITY_AUTHORIZER_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "config/snapshot.h"

namespace meshup::internal {

inline constexpr char kRootNamespace[] = "istio-system";

struct AuthzRequest {
  absl::string_view path;             // "/pkg.Svc/Method"
  absl::string_view method = "POST";  // gRPC is always POST
  // The caller's identity as Istio writes principals:
  // "<trust domain>/ns/<namespace>/sa/<service account>"; empty without mTLS.
  absl::string_view principal;
  absl::string_view source_namespace;
  absl::Span<const std::pair<std::string, std::string>> headers;  // lowercase names
};

struct AuthzDecision {
  bool allowed = true;
  // The deciding policy, "<namespace>/<name>", or empty when none decided.
  std::string policy;
};

// `declared`: policies that apply to the workload whatever their selector
// and namespace (the IDL's allowed_callers), evaluated with the snapshot's.
AuthzDecision Authorize(const config::Snapshot& snapshot,
                        const std::map<std::string, std::string>& workload_labels,
                        absl::string_view workload_namespace, const AuthzRequest& request,
                        absl::Span<const config::AuthorizationPolicy> declared = {});

// The ALLOW policy of an IDL's allowed_callers ("sa" of `service_namespace`,
// or "ns/sa"), matching those principals in any trust domain; nullopt when
// the list is empty (anyone may call).
std::optional<config::AuthorizationPolicy> AllowedCallersPolicy(
    absl::string_view service_full_name, absl::Span<const absl::string_view> allowed_callers,
    absl::string_view service_namespace);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_AUTHORIZER_H_
