// What a meshup::Server holds.
#ifndef MESHUP_SRC_SERVER_IMPL_H_
#define MESHUP_SRC_SERVER_IMPL_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "discovery/registry.h"
#include "grpc_adapter/server_poller.h"
#include "grpcpp/server.h"
#include "meshup/mesh.h"
#include "meshup/server.h"
#include "security/workload_identity.h"
#include "server_runtime.h"
#include "standard/standard_services.h"

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
  mutable std::mutex mu;
  std::vector<Service*> services;  // guarded by mu; the user's
  // Health and reflection, made by Start(); guarded by mu.
  std::unique_ptr<internal::StandardServices> standard;
  // Set by Start() for a server with non-blocking methods; guarded by mu.
  // Declared before grpc_server, so that the server goes first.
  std::unique_ptr<internal::ServerPoller> poller;
  std::unique_ptr<grpc::Server> grpc_server;  // guarded by mu
  bool started = false;                       // guarded by mu
  bool shut_down = false;                     // guarded by mu
  int port = 0;                               // guarded by mu
  int plaintext_port = 0;       // guarded by mu; a PERMISSIVE server's second port; 0: none
  bool serves_mtls = false;     // guarded by mu
  std::string registered_name;  // guarded by mu; empty: not registered
};

}  // namespace meshup

#endif  // MESHUP_SRC_SERVER_IMPL_H_
