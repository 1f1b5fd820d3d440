// The etcd registry: workloads registered in a real etcd v3 server (Debian's
// etcd-server) through its JSON gateway, for meshes spanning machines.
//
// Keys are <prefix><service>/<workload name>, values the workload's
// WorkloadEntry YAML. Registrations hang off one lease of `ttl`, kept alive
// every ttl/3; when etcd loses the lease (it was down longer than the TTL,
// or restarted empty) the registry grants a new one and registers its
// workloads again. A watch reads the service's keys, then follows a watch
// stream on their prefix; when etcd is unreachable it keeps reporting
// nothing new (the last known set stays) and reconnects every second.
#ifndef MESHUP_SRC_DISCOVERY_ETCD_REGISTRY_H_
#define MESHUP_SRC_DISCOVERY_ETCD_REGISTRY_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "discovery/registry.h"

namespace meshup::internal {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379"; tried in order
  std::string prefix = "/meshup/";
  absl::Duration ttl = absl::Seconds(10);
};

class EtcdRegistry final : public Registry {
 public:
  static absl::StatusOr<std::unique_ptr<EtcdRegistry>> Open(EtcdOptions options);
  ~EtcdRegistry() override;

  absl::Status Register(const WorkloadRecord& workload) override;
  absl::Status Deregister(absl::string_view name) override;
  std::unique_ptr<Watch> WatchService(absl::string_view service, OnChange on_change) override;

  // Reads the service's workloads now (sorted by name).
  absl::StatusOr<std::vector<WorkloadRecord>> Read(absl::string_view service);
  // POSTs to the gateway path (e.g. "/v3/kv/range"), trying each endpoint.
  absl::StatusOr<std::string> Call(absl::string_view path, const std::string& body);
  const EtcdOptions& options() const { return options_; }

 private:
  explicit EtcdRegistry(EtcdOptions options) : options_(std::move(options)) {}
  void Heartbeats();
  // Both require mu_ held.
  absl::Status GrantLease();
  absl::Status Put(const WorkloadRecord& workload);
  std::string KeyOf(const WorkloadRecord& workload) const;

  const EtcdOptions options_;
  std::mutex mu_;
  std::condition_variable stop_cv_;                   // signalled when stopping_ is set
  int64_t lease_ = 0;                                 // guarded by mu_
  std::map<std::string, WorkloadRecord> registered_;  // guarded by mu_; by name
  bool stopping_ = false;                             // guarded by mu_
  std::thread heartbeats_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_DISCOVERY_ETCD_REGISTRY_H_
