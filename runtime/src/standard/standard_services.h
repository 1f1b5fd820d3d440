// The services every MeshUp server serves beside its own: gRPC health and
// server reflection. They are meshup::Services like the user's, so their
// calls take the same path: the caller's identity, AuthorizationPolicy and
// telemetry (docs/security.md), with two rules of their own:
//   - Health's Check is exempt from authorization, as Istio exempts its
//     probe paths, so that probes and load balancers reach it under any
//     policy; it is still counted and traced.
//   - Health's Watch and reflection concern every service of the server, so
//     the IDL's allowed_callers of all of them apply to them as one ALLOW
//     policy: the callers that every service declaring allowed_callers
//     allows (beside the configuration's policies, as any declared policy).
#ifndef MESHUP_SRC_STANDARD_STANDARD_SERVICES_H_
#define MESHUP_SRC_STANDARD_STANDARD_SERVICES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "meshup/service.h"
#include "server_runtime.h"
#include "standard/health_service.h"
#include "standard/reflection_service.h"

namespace meshup::internal {

// Whether a user's service may be added under that full name; an error for
// the names of the standard services.
absl::Status CheckNotStandard(absl::string_view full_name);

class StandardServices {
 public:
  // `served`: the user's services, added to `runtime`'s server. Sets up
  // `runtime` for the standard services (their runtime, reflection's
  // declared policy, Check's exemption).
  StandardServices(const std::vector<Service*>& served, ServerRuntime& runtime);
  StandardServices(const StandardServices&) = delete;
  StandardServices& operator=(const StandardServices&) = delete;

  // The services to register with gRPC.
  std::vector<Service*> services();

  // Health answers NOT_SERVING from now on (the server is shutting down).
  void SetNotServing() { health_.SetNotServing(); }

 private:
  ReflectionCatalog catalog_;
  HealthService health_;
  ReflectionService<ReflectionV1> reflection_;
  ReflectionService<ReflectionV1Alpha> reflection_alpha_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_STANDARD_STANDARD_SERVICES_H_
