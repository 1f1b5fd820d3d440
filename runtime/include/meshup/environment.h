// Workload settings from environment variables, the way a launcher (`meshup
// up`, a Kubernetes Deployment) hands them to a service binary.
//
//   MESHUP_SERVICE       MeshOptions::service
//   MESHUP_VERSION       MeshOptions::version
//   MESHUP_NAMESPACE     MeshOptions::namespace_name
//   MESHUP_CONFIG_DIR    MeshOptions::config_dir
//   MESHUP_REGISTRY_DIR  MeshOptions::registry_dir
//   MESHUP_IDENTITY_DIR  MeshOptions::identity_dir
//   MESHUP_ADMIN_HOST    MeshOptions::admin_host
//   MESHUP_ADMIN_PORT    MeshOptions::admin_port (-1..65535)
//   MESHUP_HOST          ServerOptions::host
//   MESHUP_PORT          ServerOptions::port (0..65535)
//
// A variable that is unset or empty leaves the field as `defaults` has it.
// A variable with an invalid value (a port that is not a number in range) is
// an InvalidArgument error naming the variable; nothing is half-applied.
#ifndef MESHUP_ENVIRONMENT_H_
#define MESHUP_ENVIRONMENT_H_

#include "absl/status/statusor.h"
#include "meshup/mesh.h"
#include "meshup/server.h"

namespace meshup {

absl::StatusOr<MeshOptions> MeshOptionsFromEnvironment(MeshOptions defaults = {});
absl::StatusOr<ServerOptions> ServerOptionsFromEnvironment(ServerOptions defaults = {});

}  // namespace meshup

#endif  // MESHUP_ENVIRONMENT_H_
