// The DNS registry, for Kubernetes headless Services: a service's endpoints
// are the A and AAAA records of its DNS name, on one port. Kubernetes
// registers the pods itself, so Register() and Deregister() do nothing. A
// watch resolves the name every `interval`; a failed lookup keeps the last
// known endpoints.
#ifndef MESHUP_SRC_DISCOVERY_DNS_REGISTRY_H_
#define MESHUP_SRC_DISCOVERY_DNS_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "discovery/registry.h"

namespace meshup::internal {

struct DnsOptions {
  // The name of a service; {service} and {namespace} are replaced.
  std::string name_template = "{service}.{namespace}.svc.cluster.local";
  std::string namespace_name = "default";
  uint32_t port = 0;  // the services' gRPC port
  absl::Duration interval = absl::Seconds(5);
};

class DnsRegistry final : public Registry {
 public:
  static absl::StatusOr<std::unique_ptr<DnsRegistry>> Open(DnsOptions options);

  absl::Status Register(const WorkloadRecord&) override { return absl::OkStatus(); }
  absl::Status Deregister(absl::string_view) override { return absl::OkStatus(); }
  std::unique_ptr<Watch> WatchService(absl::string_view service, OnChange on_change) override;

  // Resolves the service's name now: its workloads, sorted by address.
  absl::StatusOr<std::vector<WorkloadRecord>> Resolve(absl::string_view service) const;

 private:
  explicit DnsRegistry(DnsOptions options) : options_(std::move(options)) {}
  const DnsOptions options_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_DISCOVERY_DNS_REGISTRY_H_
