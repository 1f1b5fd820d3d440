// What the server wrapper needs from the Mesh for every incoming call: the
// live configuration (for AuthorizationPolicy) and this workload's labels and
// namespace. One per Server, shared by its services.
#ifndef MESHUP_SRC_SERVER_RUNTIME_H_
#define MESHUP_SRC_SERVER_RUNTIME_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_source.h"
#include "config/model.h"
#include "meshup/interceptor.h"
#include "meshup/service.h"
#include "telemetry/telemetry.h"

namespace meshup::internal {

struct ServerRuntime {
  config::ConfigSource* config = nullptr;  // the Mesh's
  std::map<std::string, std::string> labels;
  std::string namespace_name;
  std::atomic<int64_t>* denied = nullptr;  // the Mesh's count of calls refused by policy
  Telemetry* telemetry = nullptr;          // the Mesh's; null: no telemetry
  // Each service's IDL allowed_callers as an ALLOW policy (absent: anyone).
  // Filled by AddService() before the server starts; read-only after.
  std::map<const Service*, config::AuthorizationPolicy> declared_policies;
  // The one method no policy applies to: health's Check, for probes
  // (standard/standard_services.h). Set before the server starts.
  const MethodInfo* authorization_exempt = nullptr;
  // The server's own interceptors (ServerOptions::interceptors), run after
  // the mesh's filters.
  std::vector<std::shared_ptr<ServerInterceptor>> interceptors;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SERVER_RUNTIME_H_
