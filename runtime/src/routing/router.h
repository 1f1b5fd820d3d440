// The client side of the mesh for one process: for a call to a service, the
// Router decides what an Istio sidecar would — which route of the service's
// VirtualService applies, which destination and subset, which faults, which
// timeout and retries — and then, attempt by attempt, which endpoint serves.
//
// Per host it keeps a HostEntry: the endpoints (from the registry and from
// ServiceEntry/WorkloadEntry documents), one balancer per subset, outlier
// detection, the connection-pool limit and a retry budget. Entries are
// rebuilt when discovery or the configuration changes; a rebuilt entry
// keeps the Endpoint objects (and their in-flight counts and ejections) of
// addresses it still has. Calls read the entry's state with one atomic load:
// no lock on the hot path.
#ifndef MESHUP_SRC_ROUTING_ROUTER_H_
#define MESHUP_SRC_ROUTING_ROUTER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "balancing/balancer.h"
#include "balancing/outlier_detector.h"
#include "balancing/retry_budget.h"
#include "config/config_source.h"
#include "discovery/registry.h"
#include "grpcpp/channel.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"
#include "util/clock.h"

namespace meshup::internal {

class SeriesSet;

// The calling workload, for sourceLabels matches.
struct MeshIdentity {
  std::string service;
  std::string namespace_name = "default";
  std::map<std::string, std::string> labels;
};

// An endpoint with its gRPC channel.
class RoutedEndpoint final : public Endpoint {
 public:
  // `channel` is an error when this workload cannot call the endpoint at all
  // (it needs mTLS and the workload has no identity): each attempt on it
  // fails with that error.
  RoutedEndpoint(EndpointInfo info, absl::StatusOr<std::shared_ptr<grpc::Channel>> channel)
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

// What one host has now; immutable once built.
struct HostState {
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

  const SubsetState* Find(absl::string_view subset) const;
};

class HostEntry {
 public:
  // `fixed_address`: the host is one address ("host:port"), not a service of
  // the mesh; see Router::StaticHost().
  HostEntry(std::string host, Clock& clock, bool fixed_address = false)
      : host_(std::move(host)), fixed_address_(fixed_address), budget_({}, clock) {}

  // The service's name, or the fixed address.
  const std::string& host() const { return host_; }
  bool fixed_address() const { return fixed_address_; }
  std::shared_ptr<const HostState> state() const { return std::atomic_load(&state_); }
  std::atomic<int>& in_flight() { return in_flight_; }
  RetryBudget& budget() { return budget_; }

 private:
  friend class Router;
  const std::string host_;
  const bool fixed_address_;
  std::shared_ptr<const HostState> state_ = std::make_shared<HostState>();
  std::atomic<int> in_flight_{0};
  RetryBudget budget_;

  std::mutex mu_;
  std::vector<WorkloadRecord> registered_;                             // guarded by mu_
  std::map<std::string, std::shared_ptr<RoutedEndpoint>> by_address_;  // guarded by mu_
  // What state_ was built from, so that a configuration swap that does not
  // concern this host keeps it (and its balancers' and outlier detectors'
  // state). Guarded by mu_.
  std::vector<EndpointInfo> built_from_endpoints_;
  std::optional<config::DestinationRule> built_from_rule_;
  std::unique_ptr<Registry::Watch> watch_;
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
  std::shared_ptr<HostEntry> host;                   // the destination's host
  std::string subset;
  absl::Time deadline = absl::InfiniteFuture();
  int tries = 1;
  absl::Duration per_try_timeout = absl::ZeroDuration();
  absl::InlinedVector<absl::StatusCode, 4> retry_on;  // no allocation per call
  absl::Duration delay = absl::ZeroDuration();  // injected fault
  std::optional<absl::Status> abort;            // injected fault
  int abort_http_status = 0;                    // its httpStatus, when given so
  std::shared_ptr<HostEntry> mirror_host;       // set when this call is mirrored
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

// One attempt's endpoint; `state` keeps it (and the subset) alive.
struct Attempt {
  std::shared_ptr<const HostState> state;
  const HostState::SubsetState* subset = nullptr;
  RoutedEndpoint* endpoint = nullptr;
};

class Router {
 public:
  // `registry` may be null (static endpoints only). All references must
  // outlive the router. The router listens to `config`'s swaps for its
  // whole life: `config` must stop watching (StopWatching()) before the
  // router is destroyed, or a reload may reach a router that is going.
  Router(config::ConfigSource& config, Registry* registry, MeshIdentity identity,
         ChannelFactory channel_factory, Clock& clock, Random& random);
  ~Router();

  // The entry of `host`, made and watched on first use.
  std::shared_ptr<HostEntry> Host(const std::string& host);

  // A new entry for one fixed address ("host:port", already validated): a
  // single endpoint, never discovered or rebuilt. No VirtualService or
  // DestinationRule applies to it (they name services, not addresses), so
  // its calls follow the IDL's timeout and retries alone. It is the caller's
  // and not listed in Hosts().
  std::shared_ptr<HostEntry> StaticHost(const std::string& address);

  // Decides a call of `method` to `host` (an entry from Host(), which a
  // channel keeps, so the common call takes no lock here) at `now`.
  CallPlan Plan(const std::shared_ptr<HostEntry>& host, const MethodInfo& method,
                const CallOptions& options, absl::Time now);

  // Picks the endpoint of an attempt, never one in `tried` when another
  // exists. UNAVAILABLE ("no healthy upstream", naming the host and subset)
  // when there is none.
  absl::StatusOr<Attempt> Pick(const CallPlan& plan, absl::Span<Endpoint* const> tried,
                               absl::Time now);

  // Every host called so far (for the admin endpoints).
  std::vector<std::shared_ptr<HostEntry>> Hosts();

  // Records how an attempt ended, for outlier detection.
  void Report(const Attempt& attempt, absl::StatusCode code);

  // Whether the endpoint's connection is known to be failing (gRPC's
  // TRANSIENT_FAILURE): Pick() avoids it while another endpoint is not.
  static bool Unreachable(const RoutedEndpoint& endpoint);

  Clock& clock() { return clock_; }

 private:
  // Requires entry.mu_ held. With `keep_if_unchanged`, an entry whose
  // endpoints and DestinationRule are those it was built from is kept.
  void Rebuild(HostEntry& entry, const config::Snapshot& snapshot, bool keep_if_unchanged = false);

  config::ConfigSource& config_;
  Registry* const registry_;
  const MeshIdentity identity_;
  const ChannelFactory channel_factory_;
  Clock& clock_;
  Random& random_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<HostEntry>, std::less<>> hosts_;  // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ROUTING_ROUTER_H_
