// A gRPC server that serves generated services inside the mesh.
//
// Made by Mesh::NewServer(). Add services, then Start(); the server also
// serves the standard gRPC health service (grpc.health.v1.Health) and server
// reflection (grpc.reflection.v1 and v1alpha), through the same
// authorization and telemetry as its own services; health's Check is exempt
// from authorization for probes (docs/security.md). Health answers
// NOT_SERVING from the moment Shutdown() begins. When the Mesh has a registry, Start() registers this workload
// (labels app=<service>, version=<version>) once it serves, and Shutdown()
// deregisters it first, keeps serving for `drain_delay` so that clients see
// it go, then stops accepting calls, lets calls in flight finish within the
// grace period and cancels the rest. The destructor shuts down a server that
// is still running. Methods are safe to call from any thread; AddService()
// only before Start().
#ifndef MESHUP_SERVER_H_
#define MESHUP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshup/interceptor.h"
#include "meshup/service.h"

namespace meshup {

class Mesh;

struct ServerOptions {
  // The address to listen on.
  std::string host = "127.0.0.1";
  // The port to listen on; 0 picks a free one, which Start() returns.
  int port = 0;
  // The address others reach this server at, as registered. Empty: `host`,
  // or 127.0.0.1 when `host` is a wildcard (0.0.0.0, ::).
  std::string advertise_address;
  // How long a registered server keeps serving after deregistering.
  absl::Duration drain_delay = absl::Milliseconds(500);
  // How many handler threads stay waiting for calls once they finished one
  // (gRPC's sync-server MAX_POLLERS, 2 by default in gRPC). A call that finds
  // none waiting still gets a thread, which gRPC starts for it and ends
  // after. Keeping a few saves that churn under concurrent load (with gRPC's
  // 2, one thread is created and joined every few calls); keeping many costs
  // memory and, once a burst has made them, spreads light load over cold
  // threads (see docs/performance.md).
  int idle_handler_threads = 8;
  // The most calls (HTTP/2 streams) one client connection may have open at
  // once, advertised to clients in HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS
  // (Envoy's default too); a client queues calls beyond it. At least 1.
  int max_concurrent_streams = 100;
  // The most threads gRPC may run for this server: handler threads, and the
  // ones waiting for calls. A call that arrives when all are busy fails at
  // once with RESOURCE_EXHAUSTED, before any handler runs (a MeshUp client
  // then sends it to another endpoint, as it does on UNAVAILABLE), instead
  // of growing the process without bound. Non-blocking
  // methods run on gRPC's callback threads and do not count. At least
  // idle_handler_threads + 1.
  int max_handler_threads = 512;
  // Your interceptors on every call this server serves, outermost first,
  // inside the mesh's own telemetry and authorization (meshup/interceptor.h).
  std::vector<std::shared_ptr<ServerInterceptor>> interceptors;
};

class Server {
 public:
  // The runtime's state behind the API; opaque to users.
  struct Impl;

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a service; it must outlive the server. Fails after Start() and for a
  // second service with the same full name.
  absl::Status AddService(Service& service);
  // Binds and starts serving; returns the port bound. What the port serves
  // follows the workload's PeerAuthentication (docs/security.md): STRICT
  // (the default) serves mTLS only and fails with FailedPrecondition when the
  // Mesh has no identity; PERMISSIVE adds a plaintext port; DISABLE serves
  // plaintext. Fails with a message naming the address when it cannot bind.
  absl::StatusOr<int> Start();
  // Stops the server; calls in flight get `grace` to finish. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(5));
  // Blocks until a started server has shut down; returns at once for a
  // server that never started.
  void Wait();
  // The bound port, or 0 before Start().
  int port() const;

 private:
  friend class Mesh;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshup

#endif  // MESHUP_SERVER_H_
