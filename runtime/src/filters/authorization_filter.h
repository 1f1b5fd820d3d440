// The server filter that applies AuthorizationPolicy: the configuration's
// policies for this workload, and the IDL's allowed_callers of the call's
// service, to the caller's verified SPIFFE ID, namespace, the method's path
// and the request headers. A denied call ends here with PERMISSION_DENIED
// ("RBAC: access denied", as Envoy answers) and counts in the Mesh's denied
// calls; its handler never runs. The one exempt method (health's Check) and
// a server without configuration pass untouched.
#ifndef MESHUP_SRC_FILTERS_AUTHORIZATION_FILTER_H_
#define MESHUP_SRC_FILTERS_AUTHORIZATION_FILTER_H_

#include "filters/server_filter.h"

namespace meshup::internal {

class AuthorizationFilter final : public ServerFilter {
 public:
  absl::Status Handle(ServerCall& call, const ServerFilterChain& next) const override;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_AUTHORIZATION_FILTER_H_
