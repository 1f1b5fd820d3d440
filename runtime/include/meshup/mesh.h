// The entry point of the MeshUp runtime: one Mesh per process.
//
// A Mesh holds the process's identity in the mesh (service, version,
// namespace), its live configuration (the config directory, reloaded when it
// changes) and its service registry, and makes the channels that generated
// clients call through and the servers that serve generated services:
//
//   meshup::MeshOptions options;
//   options.service = "reviews";
//   options.version = "v2";
//   absl::StatusOr<std::unique_ptr<meshup::Mesh>> mesh = meshup::Mesh::Create(options);
//   absl::StatusOr<std::shared_ptr<meshup::Channel>> channel =
//       (*mesh)->Connect("ratings");          // or a static "127.0.0.1:9083"
//   bookinfo::Ratings::Client ratings(*channel);
//
// Create() validates the options and loads the configuration; it returns
// InvalidArgument naming the bad field, NotFound for a config_dir that is
// not a directory, or the configuration's first error.
//
// Lifetimes: a Mesh must outlive the servers it made. Destroying a Mesh
// cancels the asynchronous calls in flight on its channels and waits until
// their callbacks have returned (so no callback may destroy the Mesh, and a
// blocking call must not be in flight); a stream still held is cancelled and
// then fails its operations. A call on a channel whose Mesh is gone fails
// with FAILED_PRECONDITION. An asynchronous call or a stream keeps its
// channel alive: the client that made it may go first. All methods are
// thread-safe. Create() makes the process ignore SIGPIPE unless the
// application set a handler for it (see http_server.h), and applies the
// default process settings unless the program chose its own before
// (meshup/process.h).
#ifndef MESHUP_MESH_H_
#define MESHUP_MESH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshup/channel.h"
#include "meshup/interceptor.h"
#include "meshup/server.h"

namespace meshup {

struct MeshOptions {
  // This workload's service: its `app` label. A DNS-1123 label, required.
  std::string service;
  // This workload's version: its `version` label.
  std::string version = "v1";
  // The Kubernetes-style namespace of the workload.
  std::string namespace_name = "default";
  // The runtime configuration directory (Istio-format YAML), watched for
  // changes. Empty: the IDL's defaults only. When set, it must exist.
  std::string config_dir;
  // The file registry's directory: servers register their workload there and
  // channels to a service find its endpoints there. Empty: the directory of
  // the configuration's Mesh document (spec.registry), or no registry.
  std::string registry_dir;
  // The workload's identity for mTLS: a directory with cert.pem, key.pem and
  // root.pem (`meshup ca issue --out DIR`), re-read every second so that
  // replacing the files rotates it. When set, servers require and verify
  // client certificates, channels verify that each server presents the
  // SPIFFE ID discovery gave for it, and handlers and AuthorizationPolicy
  // see the caller's SPIFFE ID; Create() fails on missing or expired files
  // rather than fall back to plaintext. Empty: no identity, so this
  // workload's servers cannot start under PeerAuthentication STRICT (the
  // default) and its calls to mTLS endpoints fail; see docs/security.md.
  std::string identity_dir;
  // The admin HTTP server (/metrics, /healthz, /ready, /config_dump,
  // /clusters, /stats/json): its address and port. Port 0 picks a free one,
  // which admin_port() returns, Create() logs to stderr and servers register
  // (port name http-admin); -1: no admin server.
  std::string admin_host = "127.0.0.1";
  int admin_port = 0;
  // Your interceptors on every call this Mesh's channels make, outermost
  // first (meshup/interceptor.h).
  std::vector<std::shared_ptr<ClientInterceptor>> client_interceptors;
};

// An entry this workload keeps in the registry while the Registration lives
// (see Mesh::RegisterHttpServer()).
class Registration {
 public:
  virtual ~Registration() = default;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 protected:
  Registration() = default;
};

class Mesh {
 public:
  // The runtime's state behind the API; opaque to users.
  struct Impl;

  static absl::StatusOr<std::unique_ptr<Mesh>> Create(MeshOptions options);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  const MeshOptions& options() const;
  // The admin server's port, or 0 without one.
  int admin_port() const;

  // A channel to `target`:
  //  - a service of the mesh ("reviews", or "reviews.default.svc.cluster.local"):
  //    each call is routed as the configuration says (VirtualService,
  //    DestinationRule) over the service's endpoints from the registry and
  //    the configuration's ServiceEntry/WorkloadEntry documents;
  //  - "host:port" (a name, an IPv4 address, or an IPv6 address in brackets):
  //    that address directly, with the IDL's timeouts and retries.
  absl::StatusOr<std::shared_ptr<Channel>> Connect(absl::string_view target);

  // A new server for this workload; see server.h.
  std::unique_ptr<Server> NewServer(ServerOptions options = {});

  // Lists this workload in the registry as serving HTTP/1.1 on `port` of
  // `host` (a web frontend on meshup::HttpServer, which knows no Mesh),
  // labelled as its servers are, so that discovery, `meshup check` and
  // `meshup stat` know it; the mesh's clients never send gRPC calls to it.
  // A wildcard `host` (0.0.0.0, ::) registers 127.0.0.1. The entry goes when
  // the Registration is destroyed, which must happen before the Mesh is
  // destroyed. Without a registry nothing is listed. An error when the
  // registry refuses the entry.
  absl::StatusOr<std::unique_ptr<Registration>> RegisterHttpServer(const std::string& host,
                                                                   int port);

 private:
  friend class Server;
  explicit Mesh(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshup

#endif  // MESHUP_MESH_H_
