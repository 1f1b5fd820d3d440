// The routing of one process's calls: for a call to a host, the Router
// decides what an Istio sidecar would — which route of the host's
// VirtualService applies, which destination cluster and subset, which
// faults, mirror, timeout and retries — into a CallPlan. The cluster
// manager (upstream/) then picks each attempt's endpoint in that cluster.
#ifndef MESHUP_SRC_ROUTING_ROUTER_H_
#define MESHUP_SRC_ROUTING_ROUTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "config/config_source.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"
#include "upstream/cluster.h"
#include "upstream/cluster_manager.h"
#include "util/clock.h"

namespace meshup::internal {

// The calling workload, for sourceLabels matches.
struct MeshIdentity {
  std::string service;
  std::string namespace_name = "default";
  std::map<std::string, std::string> labels;
};

// The tries of a call whose route and IDL declare no retries: Istio's
// default of 2 retries. A retry still needs an idempotent method, or an
// attempt whose request surely never left (a connection that failed), so a
// crashed endpoint costs such calls nothing while others are up.
constexpr int kDefaultTries = 3;

// The tries the IDL's retry policy gives `method`.
inline int IdlTries(const MethodInfo& method) {
  return method.retry.attempts > 0 ? method.retry.attempts : kDefaultTries;
}

// A call's decisions, made once at its start.
struct CallPlan {
  std::shared_ptr<const config::Snapshot> snapshot;  // keeps the route alive
  std::shared_ptr<Cluster> cluster;                  // the destination
  std::string subset;
  absl::Time deadline = absl::InfiniteFuture();
  int tries = 1;
  absl::Duration per_try_timeout = absl::ZeroDuration();
  absl::InlinedVector<absl::StatusCode, 4> retry_on;  // no allocation per call
  absl::Duration delay = absl::ZeroDuration();  // injected fault
  std::optional<absl::Status> abort;            // injected fault
  int abort_http_status = 0;                    // its httpStatus, when given so
  std::shared_ptr<Cluster> mirror_cluster;      // set when this call is mirrored
  std::string mirror_subset;
  std::string hash_key;
  bool has_hash_key = false;
  // The request headers the route sends in place of the caller's: set only
  // when its VirtualService has request header operations (header_rules.h).
  std::optional<std::vector<std::pair<std::string, std::string>>> request_headers;

  // The headers every attempt (and the mirror) sends.
  const std::vector<std::pair<std::string, std::string>>& RequestHeaders(
      const CallOptions& options) const {
    return request_headers ? *request_headers : options.headers;
  }
};

// The deadline and retries of a call of `method` started at `now`, into
// `plan`: a route's timeout and retries, where it sets them, replace the
// IDL's; the caller's timeout can only shorten the deadline. `route` null:
// the IDL's alone (a static address, or no route applies). The one place
// where a call's deadline and retry plan are decided.
void PlanDeadlineAndRetries(const MethodInfo& method, const CallOptions& options,
                            const config::HttpRoute* route, absl::Time now, CallPlan& plan);

class Router {
 public:
  // `config` and `clusters` must outlive the router.
  Router(config::ConfigSource& config, ClusterManager& clusters, MeshIdentity identity,
         Random& random);

  // Decides a call of `method` to `cluster` (from ClusterManager::Get() or
  // ForAddress(), which a channel keeps, so the common call takes no lock
  // here) at `now`.
  CallPlan Plan(const std::shared_ptr<Cluster>& cluster, const MethodInfo& method,
                const CallOptions& options, absl::Time now);

 private:
  config::ConfigSource& config_;
  ClusterManager& clusters_;
  const MeshIdentity identity_;
  Random& random_;
};

// The endpoint of an attempt of `plan`, in its cluster and subset, never
// one in `tried` when another exists.
absl::StatusOr<Attempt> PickEndpoint(ClusterManager& clusters, const CallPlan& plan,
                                     absl::Span<Endpoint* const> tried, absl::Time now);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ROUTING_ROUTER_H_
