// The cluster manager of one process: a Cluster per host of the mesh that
// its calls reach, made on first use, fed by discovery (the registry) and
// by the configuration (ServiceEntry and WorkloadEntry endpoints,
// DestinationRule subsets and traffic policies), and rebuilt when either
// changes; and a cluster per fixed address a channel names. It picks the
// endpoint of each attempt and records how attempts end, for outlier
// detection.
#ifndef MESHUP_SRC_UPSTREAM_CLUSTER_MANAGER_H_
#define MESHUP_SRC_UPSTREAM_CLUSTER_MANAGER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "config/config_source.h"
#include "discovery/registry.h"
#include "upstream/cluster.h"
#include "util/clock.h"

namespace meshup::internal {

class ClusterManager {
 public:
  // `registry` may be null (configured endpoints only). All references must
  // outlive the manager. It listens to `config`'s swaps for its whole life:
  // `config` must stop watching (StopWatching()) before the manager is
  // destroyed, or a reload may reach a manager that is going.
  ClusterManager(config::ConfigSource& config, Registry* registry, ChannelFactory channel_factory,
                 Clock& clock, Random& random);
  ~ClusterManager();

  // The cluster of `host`, made and watched on first use.
  std::shared_ptr<Cluster> Get(const std::string& host);

  // The cluster of one fixed address ("host:port", already validated): a
  // single endpoint, never discovered or rebuilt. No VirtualService or
  // DestinationRule applies to it (they name services, not addresses). While
  // a caller holds it, every channel to the address shares it (its
  // connection, in-flight count and retry budget); once none does, it goes.
  std::shared_ptr<Cluster> ForAddress(const std::string& address);

  // Every cluster of a host called so far, and of each fixed address still
  // held (for the admin endpoints).
  std::vector<std::shared_ptr<Cluster>> All();

  // Picks the endpoint of an attempt in `subset` ("": any) of `cluster`,
  // never one in `context.exclude` when another exists. UNAVAILABLE ("no
  // healthy upstream", naming the host and subset) when there is none.
  absl::StatusOr<Attempt> Pick(const Cluster& cluster, absl::string_view subset,
                               PickContext context);

  // Records how an attempt ended, for outlier detection.
  void Report(const Attempt& attempt, absl::StatusCode code);

  // Whether the endpoint's connection is known to be failing (gRPC's
  // TRANSIENT_FAILURE): Pick() avoids it while another endpoint is not.
  static bool Unreachable(const UpstreamEndpoint& endpoint);

  Clock& clock() { return clock_; }

 private:
  // Requires cluster.mu_ held. With `keep_if_unchanged`, a cluster whose
  // endpoints and DestinationRule are those it was built from is kept.
  void Rebuild(Cluster& cluster, const config::Snapshot& snapshot, bool keep_if_unchanged = false);

  config::ConfigSource& config_;
  Registry* const registry_;
  const ChannelFactory channel_factory_;
  Clock& clock_;
  Random& random_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Cluster>, std::less<>> clusters_;  // guarded by mu_
  std::map<std::string, std::weak_ptr<Cluster>, std::less<>> fixed_;      // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_CLUSTER_MANAGER_H_
