// What a meshup::Server holds.
#ifndef MESHUP_SRC_SERVER_IMPL_H_
#define MESHUP_SRC_SERVER_IMPL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "discovery/registry.h"
#include "grpcpp/server.h"
#include "meshup/mesh.h"
#include "meshup/server.h"
#include "security/workload_identity.h"
#include "server_runtime.h"

namespace meshup {

struct Server::Impl {
  explicit Impl(ServerOptions server_options) : options(std::move(server_options)) {}

  const ServerOptions options;
  MeshOptions mesh_options;
  internal::Registry* registry = nullptr;  // the Mesh's; null: none
  internal::ServerRuntime runtime;
  const internal::WorkloadIdentity* identity = nullptr;  // the Mesh's; null: plaintext
  int admin_port = 0;                                    // the Mesh's, registered with the workload
  std::atomic<int>* ready_servers = nullptr;             // the Mesh's count, for /ready
  mutable absl::Mutex mu;
  std::vector<Service*> services ABSL_GUARDED_BY(mu);
  std::unique_ptr<grpc::Server> grpc_server ABSL_GUARDED_BY(mu);
  bool started ABSL_GUARDED_BY(mu) = false;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
  int port ABSL_GUARDED_BY(mu) = 0;
  int plaintext_port ABSL_GUARDED_BY(mu) = 0;  // a PERMISSIVE server's second port; 0: none
  bool serves_mtls ABSL_GUARDED_BY(mu) = false;
  std::string registered_name ABSL_GUARDED_BY(mu);  // empty: not registered
};

}  // namespace meshup

#endif  // MESHUP_SRC_SERVER_IMPL_H_
