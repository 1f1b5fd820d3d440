// What a meshup::Mesh holds: the loop thread, the live configuration, the
// registry, the cluster manager and the router. Members are destroyed in the reverse order of
// their dependencies (see ~Impl).
#ifndef MESHUP_SRC_MESH_IMPL_H_
#define MESHUP_SRC_MESH_IMPL_H_

#include <memory>

#include "call/live_calls.h"
#include "config/config_source.h"
#include "discovery/registry.h"
#include "loop/event_loop.h"
#include "meshup/mesh.h"
#include "routing/router.h"
#include "upstream/cluster_manager.h"
#include "security/workload_identity.h"
#include "meshup/http_server.h"
#include "telemetry/telemetry.h"

namespace meshup {

struct Mesh::Impl {
  ~Impl();

  MeshOptions options;
  // The client calls in flight on this Mesh's channels: ended first (~Impl).
  std::shared_ptr<internal::LiveCalls> live_calls = std::make_shared<internal::LiveCalls>();
  std::unique_ptr<internal::EventLoop> loop;
  std::unique_ptr<config::ConfigSource> config;
  std::unique_ptr<internal::Registry> registry;  // null: static endpoints only
  std::unique_ptr<internal::WorkloadIdentity> identity;  // null: plaintext
  std::unique_ptr<internal::Telemetry> telemetry;
  std::atomic<int64_t> authorization_denied{0};  // calls refused by AuthorizationPolicy
  std::unique_ptr<internal::ClusterManager> clusters;
  std::unique_ptr<internal::Router> router;
  std::unique_ptr<HttpServer> admin;  // null: none
  int admin_port = 0;
  // Readiness: servers made, and servers serving and registered.
  std::atomic<int> servers{0};
  std::atomic<int> ready_servers{0};
};

}  // namespace meshup

#endif  // MESHUP_SRC_MESH_IMPL_H_
