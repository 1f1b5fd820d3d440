#include "config/cluster_config.h"

namespace meshup::config {
namespace {

// The cluster of `subset` (nullptr: the host's own) under `rule`'s policy.
ClusterConfig Cluster(const DestinationRule& rule, const Subset* subset) {
  const TrafficPolicy* host = rule.traffic_policy ? &*rule.traffic_policy : nullptr;
  const TrafficPolicy* own = subset == nullptr        ? host
                             : subset->traffic_policy ? &*subset->traffic_policy
                                                      : nullptr;
  ClusterConfig cluster;
  if (subset != nullptr) {
    cluster.subset = subset->name;
    cluster.selector = subset->labels;
  }
  if (own != nullptr && own->load_balancer) {
    cluster.load_balancer = *own->load_balancer;
  } else if (host != nullptr && host->load_balancer) {
    cluster.load_balancer = *host->load_balancer;
  }
  if (own != nullptr && own->outlier_detection) {
    cluster.outlier_detection = own->outlier_detection;
  } else if (host != nullptr && host->outlier_detection) {
    cluster.outlier_detection = host->outlier_detection;
  }
  if (own != nullptr) cluster.tls_mode = own->tls_mode;
  return cluster;
}

}  // namespace

TlsMode HostClusters::TlsModeFor(const std::map<std::string, std::string>& labels) const {
  for (const ClusterConfig& subset : subsets) {
    if (subset.tls_mode != TlsMode::kUnset && SelectorMatches(subset.selector, labels)) {
      return subset.tls_mode;
    }
  }
  return all.tls_mode;
}

HostClusters ClustersFrom(const DestinationRule& rule) {
  HostClusters clusters;
  clusters.host = rule.host;
  clusters.origin = rule.origin;
  if (rule.traffic_policy && rule.traffic_policy->connection_pool) {
    clusters.max_requests = rule.traffic_policy->connection_pool->max_requests;
  }
  clusters.all = Cluster(rule, nullptr);
  for (const Subset& subset : rule.subsets) clusters.subsets.push_back(Cluster(rule, &subset));
  return clusters;
}

}  // namespace meshup::config
