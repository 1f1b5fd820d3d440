// A cluster: where the calls to one host of the mesh (a service) or to one
// fixed address go. It holds the endpoints (each with its gRPC channel), one
// balancer per subset, outlier detection, the connection-pool limit and a
// retry budget. ClusterManager makes and rebuilds clusters; the Router
// decides which cluster and subset a call goes to.
//
// A cluster's ClusterState is immutable once built and swapped whole when
// discovery or the configuration changes; a rebuilt state keeps the
// Endpoint objects (and their in-flight counts and ejections) of addresses
// it still has. Calls read the state with one atomic load: no lock on the
// hot path.
#ifndef MESHUP_SRC_UPSTREAM_CLUSTER_H_
#define MESHUP_SRC_UPSTREAM_CLUSTER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "config/cluster_config.h"
#include "discovery/registry.h"
#include "grpcpp/channel.h"
#include "upstream/balancer.h"
#include "upstream/outlier_detector.h"
#include "upstream/retry_budget.h"
#include "util/clock.h"

namespace meshup::internal {

class SeriesSet;

// An endpoint with its gRPC channel.
class UpstreamEndpoint final : public Endpoint {
 public:
  // `channel` is an error when this workload cannot call the endpoint at all
  // (it needs mTLS and the workload has no identity): each attempt on it
  // fails with that error.
  UpstreamEndpoint(EndpointInfo info, absl::StatusOr<std::shared_ptr<grpc::Channel>> channel)
      : Endpoint(std::move(info)), channel_(std::move(channel)) {}
  // Null when the endpoint cannot be called; see unusable().
  grpc::Channel* channel() const { return channel_.ok() ? channel_->get() : nullptr; }
  absl::Status unusable() const { return channel_.status(); }
  // The client-side metric series of calls to this endpoint: found on the
  // first call, then reused without a lookup.
  std::atomic<SeriesSet*>& source_series() const { return source_series_; }

 private:
  mutable std::atomic<SeriesSet*> source_series_{nullptr};
  const absl::StatusOr<std::shared_ptr<grpc::Channel>> channel_;
};

using ChannelFactory =
    std::function<absl::StatusOr<std::shared_ptr<grpc::Channel>>(const EndpointInfo&)>;

// What one cluster has now; immutable once built.
struct ClusterState {
  struct SubsetState {
    std::string name;
    std::map<std::string, std::string> labels;
    EndpointList endpoints;
    std::unique_ptr<Balancer> balancer;
    std::unique_ptr<OutlierDetector> outlier_detector;  // null: not configured
    std::string hash_header;                            // set when the policy hashes on a header
  };
  EndpointList endpoints;
  SubsetState all;  // every endpoint, with the host-level policy
  std::vector<SubsetState> subsets;
  int max_requests = 0;  // 0: unlimited

  // The subset named `subset` ("": all); null when there is none.
  const SubsetState* Find(absl::string_view subset) const;
};

class Cluster {
 public:
  // `fixed_address`: the cluster is one address ("host:port"), not a
  // service of the mesh; see ClusterManager::ForAddress().
  Cluster(std::string host, Clock& clock, bool fixed_address = false)
      : host_(std::move(host)), fixed_address_(fixed_address), budget_({}, clock) {}

  // The service's name, or the fixed address.
  const std::string& host() const { return host_; }
  bool fixed_address() const { return fixed_address_; }
  std::shared_ptr<const ClusterState> state() const { return std::atomic_load(&state_); }
  std::atomic<int>& in_flight() { return in_flight_; }
  RetryBudget& budget() { return budget_; }

 private:
  friend class ClusterManager;
  const std::string host_;
  const bool fixed_address_;
  std::shared_ptr<const ClusterState> state_ = std::make_shared<ClusterState>();
  std::atomic<int> in_flight_{0};
  RetryBudget budget_;

  std::mutex mu_;
  std::vector<WorkloadRecord> registered_;                               // guarded by mu_
  std::map<std::string, std::shared_ptr<UpstreamEndpoint>> by_address_;  // guarded by mu_
  // What state_ was built from, so that a configuration swap that does not
  // concern this cluster keeps it (and its balancers' and outlier
  // detectors' state). Guarded by mu_.
  std::vector<EndpointInfo> built_from_endpoints_;
  std::optional<config::HostClusters> built_from_clusters_;
  std::unique_ptr<Registry::Watch> watch_;
};

// One attempt's endpoint; `state` keeps it (and the subset) alive.
struct Attempt {
  std::shared_ptr<const ClusterState> state;
  const ClusterState::SubsetState* subset = nullptr;
  UpstreamEndpoint* endpoint = nullptr;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_CLUSTER_H_
