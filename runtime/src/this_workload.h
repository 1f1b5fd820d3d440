// The registry entry of this workload for one port it serves, as servers
// (gRPC) and HTTP frontends register it: name "<service>-<version>-<pid>-
// <port>", labels app and version, the identity's namespace and service
// account, and the admin port.
#ifndef MESHUP_SRC_THIS_WORKLOAD_H_
#define MESHUP_SRC_THIS_WORKLOAD_H_

#include <string>

#include "discovery/registry.h"
#include "meshup/mesh.h"
#include "security/workload_identity.h"

namespace meshup::internal {

// `host` is the listening address; `advertise_address`, when set, the one
// registered instead (127.0.0.1 for a wildcard host). Ports are left 0 but
// the admin port: the caller sets the one it serves.
WorkloadRecord ThisWorkload(const MeshOptions& mesh, const WorkloadIdentity* identity,
                            const std::string& host, const std::string& advertise_address, int port,
                            int admin_port);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_THIS_WORKLOAD_H_
