// The upstream model: what the cluster manager (upstream/) applies to a
// host's endpoints, as clusters: the host's own (every endpoint) and one
// per subset (the endpoints a label selector picks), each with the
// balancing and outlier detection it uses. The host's DestinationRules,
// merged as Istio merges them, translate into it (ClustersFrom()); the
// snapshot finds a host's (Snapshot::ClustersFor()). A host without a rule
// has one default cluster.
#ifndef MESHUP_SRC_CONFIG_CLUSTER_CONFIG_H_
#define MESHUP_SRC_CONFIG_CLUSTER_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/model.h"

namespace meshup::config {

struct ClusterConfig {
  std::string subset;                           // "": the host's own cluster
  std::map<std::string, std::string> selector;  // empty: every endpoint
  // A subset's own setting, else the host's; least request by default.
  LoadBalancer load_balancer;
  std::optional<OutlierDetection> outlier_detection;  // likewise; none: never ejects
  // This cluster's own tls mode, not inherited: see HostClusters::TlsModeFor().
  TlsMode tls_mode = TlsMode::kUnset;
};

// Equal clusters balance and eject alike (every field compared).
inline bool operator==(const ClusterConfig& a, const ClusterConfig& b) {
  return a.subset == b.subset && a.selector == b.selector && a.load_balancer == b.load_balancer &&
         a.outlier_detection == b.outlier_detection && a.tls_mode == b.tls_mode;
}

struct HostClusters {
  std::string host;  // mesh name, or a wildcard
  Origin origin;     // the oldest of the rules merged
  // The host's connectionPool.http.http2MaxRequests: calls in flight at
  // once across its endpoints; 0: unlimited.
  int max_requests = 0;
  ClusterConfig all;  // subset ""
  std::vector<ClusterConfig> subsets;

  // The tls mode of an endpoint with `labels`: that of the first subset
  // whose selector it matches and that sets one, else the host's.
  TlsMode TlsModeFor(const std::map<std::string, std::string>& labels) const;
};

// Equal hosts build the same clusters (the origin does not matter).
inline bool operator==(const HostClusters& a, const HostClusters& b) {
  return a.host == b.host && a.max_requests == b.max_requests && a.all == b.all &&
         a.subsets == b.subsets;
}

// The clusters `rule` (a host's merged DestinationRule) defines.
HostClusters ClustersFrom(const DestinationRule& rule);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_CLUSTER_CONFIG_H_
