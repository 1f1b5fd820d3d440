// Service discovery: where the workloads of a service are.
//
// A Registry is an interface with one implementation per backend: a
// directory of WorkloadEntry files (the embedded default), etcd, DNS. A
// server registers its workload when it starts serving and deregisters it
// before it drains; a client watches the services it calls. A service is the
// label `app` of its workloads, as in Kubernetes and Istio; subsets select on
// the other labels (`version`).
//
// Losing the backend never empties a service: a watch keeps reporting the
// last known set until the backend answers again.
#ifndef MESHUP_SRC_DISCOVERY_REGISTRY_H_
#define MESHUP_SRC_DISCOVERY_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshup::internal {

// Names of a workload's ports in WorkloadEntry documents besides "grpc".
inline constexpr char kPlaintextPortName[] = "grpc-plaintext";
inline constexpr char kAdminPortName[] = "http-admin";
// The port of a workload that serves HTTP/1.1 (a web frontend).
inline constexpr char kHttpPortName[] = "http";
// The label that says whether a workload serves mTLS ("istio") or not
// ("disabled"), as Istio's sidecar injector sets it; clients choose mTLS or
// plaintext by it when no DestinationRule says.
inline constexpr char kTlsModeLabel[] = "security.istio.io/tlsMode";

struct WorkloadRecord {
  std::string name;  // unique in the registry, e.g. "reviews-v2-4711"
  std::string namespace_name = "default";
  std::string address;                        // "127.0.0.1", or an IPv6 address without brackets
  uint32_t port = 0;  // the gRPC port; 0: the workload serves no gRPC (only HTTP)
  // A second, plaintext gRPC port of a PERMISSIVE workload with an identity
  // (its main port then serves mTLS); 0: none.
  uint32_t plaintext_port = 0;
  // The admin HTTP port (/metrics, /ready, ...); 0: none.
  uint32_t admin_port = 0;
  // An HTTP/1.1 port the workload serves (a web frontend); 0: none. Clients
  // of the mesh never send gRPC calls to it.
  uint32_t http_port = 0;
  std::map<std::string, std::string> labels;  // app, version, ...
  std::string service_account;

  const std::string& service() const;  // labels["app"]
  // "127.0.0.1:9080" or "[::1]:9080".
  std::string HostPort() const;
  // The same for plaintext_port; empty when it is 0.
  std::string PlaintextHostPort() const;
  bool operator==(const WorkloadRecord& other) const;
};

class Registry {
 public:
  // Stops a watch when destroyed.
  class Watch {
   public:
    virtual ~Watch() = default;
  };
  using OnChange = std::function<void(const std::vector<WorkloadRecord>& workloads)>;

  virtual ~Registry() = default;

  // Makes `workload` visible to watchers of its service.
  virtual absl::Status Register(const WorkloadRecord& workload) = 0;
  // Removes the workload named `name`; not an error when it is not there.
  virtual absl::Status Deregister(absl::string_view name) = 0;
  // Calls `on_change` with the service's workloads (sorted by name), once as
  // soon as they are known and again after every change, on a runtime
  // thread, never concurrently with itself.
  virtual std::unique_ptr<Watch> WatchService(absl::string_view service, OnChange on_change) = 0;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_DISCOVERY_REGISTRY_H_
