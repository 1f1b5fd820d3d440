// The runtime configuration, as validated plain data: Istio's traffic kinds
// (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry) and MeshUp's
// own Mesh kind, with only the fields MeshUp implements. The loader
// (loader.h) fills these from YAML; nothing here parses or allocates lazily.
#ifndef MESHUP_SRC_CONFIG_MODEL_H_
#define MESHUP_SRC_CONFIG_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "re2/re2.h"

namespace meshup::config {

// Istio's wildcard hosts, of VirtualServices and DestinationRules: "*", or
// "*.<domain>", which covers every name ending in ".<domain>". A mesh name
// ("reviews") stands for "reviews.<namespace>.svc.cluster.local" in any
// namespace (MeshUp's service names carry none), so "*.local",
// "*.cluster.local", "*.svc.cluster.local" and "*.<ns>.svc.cluster.local"
// cover it.
inline bool IsWildcard(absl::string_view host) { return !host.empty() && host[0] == '*'; }
bool WildcardCovers(absl::string_view pattern, absl::string_view host);

// Whether `labels` has every key and value of `selector`, as Kubernetes
// matchLabels and subset labels select (an empty selector matches all).
bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels);

// Where a document came from, for error messages and /config_dump.
struct Origin {
  std::string file;
  int line = 0;  // 1-based
  std::string kind;
  std::string namespace_name;
  std::string name;
  // metadata.creationTimestamp, when written. Where Istio lets the oldest
  // of several documents win (a host's VirtualService, a merged
  // DestinationRule's traffic policy), the oldest is the earliest of these,
  // then, for documents without one, the first read.
  std::optional<absl::Time> created;

  // "reviews.yaml:3 (VirtualService default/reviews)"
  std::string ToString() const;
};

// Whether `a` is older than `b` in the sense above: by creationTimestamp
// (equal ones by name, then namespace, as Istio breaks ties); a document
// with a timestamp before one without; otherwise neither (read order
// decides, with a stable sort).
bool OlderThan(const Origin& a, const Origin& b);

// Istio's StringMatch: exactly one of exact, prefix or regex (RE2, matched
// against the whole value, as Envoy does).
struct StringMatch {
  enum class Kind { kExact, kPrefix, kRegex };
  Kind kind = Kind::kExact;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;  // set when kind == kRegex

  bool Matches(absl::string_view text) const;
};

struct HeaderMatch {
  std::string name;  // lowercase
  StringMatch match;
};

// One entry of an HTTPRoute's `match` list: every condition must hold.
struct RouteMatch {
  std::string name;
  std::optional<StringMatch> uri;  // on the gRPC path "/pkg.Svc/Method"
  bool ignore_uri_case = false;
  std::vector<HeaderMatch> headers;
  std::vector<HeaderMatch> without_headers;
  std::map<std::string, std::string> source_labels;
  std::string source_namespace;
  // False when the entry's `gateways` (or, without them, the
  // VirtualService's) leave out "mesh": it then matches at those gateways
  // only, never a MeshUp call.
  bool in_mesh = true;
};

struct Destination {
  std::string host;    // the mesh name: "reviews" for "reviews.default.svc.cluster.local"
  std::string subset;  // empty: every endpoint of the host
  uint32_t port = 0;   // 0: the service's only port
};

// Istio's HeaderOperations: what a route does to headers. Names are
// lowercase; values are sent as written.
struct HeaderOperations {
  std::vector<std::pair<std::string, std::string>> set;  // replace, or add when absent
  std::vector<std::pair<std::string, std::string>> add;  // add a value, keeping those there
  std::vector<std::string> remove;

  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

// Istio's Headers: operations on the request sent to the destination and on
// the response it returns.
struct HeaderRules {
  HeaderOperations request;
  HeaderOperations response;
};

struct WeightedDestination {
  Destination destination;
  int weight = 100;
  std::optional<HeaderRules> headers;  // for calls routed to this destination
};

struct RouteRetry {
  int attempts = 0;  // Istio's meaning: retries after the first try
  absl::Duration per_try_timeout = absl::ZeroDuration();
  std::vector<absl::StatusCode> retry_on;
};

struct FaultDelay {
  double percentage = 100;
  absl::Duration fixed_delay = absl::ZeroDuration();
};

struct FaultAbort {
  double percentage = 100;
  absl::StatusCode code = absl::StatusCode::kUnknown;
  int http_status = 0;  // as written, when given as httpStatus
};

struct HttpRoute {
  std::string name;
  std::vector<RouteMatch> matches;  // empty: matches every request
  std::vector<WeightedDestination> route;
  std::optional<absl::Duration> timeout;
  std::optional<RouteRetry> retries;
  std::optional<FaultDelay> delay;
  std::optional<FaultAbort> abort;
  std::optional<Destination> mirror;
  double mirror_percentage = 100;
  std::optional<HeaderRules> headers;  // for every call the route takes
  // Without matches: whether the route applies inside the mesh (the
  // VirtualService's `gateways` list "mesh", or is absent).
  bool in_mesh = true;
  int line = 0;  // where the route starts in its file
};

struct VirtualService {
  Origin origin;
  std::vector<std::string> hosts;  // mesh names
  // Whether any of its routes can apply to a MeshUp call: false when it is
  // bound to gateways only, or has no HTTP routes (tcp and tls routes never
  // apply to gRPC). Such a VirtualService routes no host.
  bool routes_mesh = true;
  std::vector<HttpRoute> http;
};

struct LoadBalancer {
  enum class Policy { kLeastRequest, kRoundRobin, kRandom, kConsistentHash };
  Policy policy = Policy::kLeastRequest;
  std::string hash_header;  // with kConsistentHash: consistentHash.httpHeaderName
};

// Equal policies route alike. Each operator== compares every field of its
// type: the router rebuilds a host only when these differ, so a new field
// goes into its type's comparison too.
inline bool operator==(const LoadBalancer& a, const LoadBalancer& b) {
  return a.policy == b.policy && a.hash_header == b.hash_header;
}

struct ConnectionPool {
  int max_requests = 0;  // http.http2MaxRequests; 0: unlimited
};

inline bool operator==(const ConnectionPool& a, const ConnectionPool& b) {
  return a.max_requests == b.max_requests;
}

struct OutlierDetection {
  int consecutive_errors = 5;
  absl::Duration base_ejection_time = absl::Seconds(30);
  int max_ejection_percent = 10;
};

inline bool operator==(const OutlierDetection& a, const OutlierDetection& b) {
  return a.consecutive_errors == b.consecutive_errors &&
         a.base_ejection_time == b.base_ejection_time &&
         a.max_ejection_percent == b.max_ejection_percent;
}

enum class TlsMode { kUnset, kDisable, kIstioMutual, kMutual, kSimple };

struct TrafficPolicy {
  std::optional<LoadBalancer> load_balancer;
  std::optional<ConnectionPool> connection_pool;
  std::optional<OutlierDetection> outlier_detection;
  TlsMode tls_mode = TlsMode::kUnset;
};

inline bool operator==(const TrafficPolicy& a, const TrafficPolicy& b) {
  return a.load_balancer == b.load_balancer && a.connection_pool == b.connection_pool &&
         a.outlier_detection == b.outlier_detection && a.tls_mode == b.tls_mode;
}

struct Subset {
  std::string name;
  std::map<std::string, std::string> labels;
  std::optional<TrafficPolicy> traffic_policy;
};

inline bool operator==(const Subset& a, const Subset& b) {
  return a.name == b.name && a.labels == b.labels && a.traffic_policy == b.traffic_policy;
}

struct DestinationRule {
  Origin origin;     // of a merged rule: the oldest of those merged
  std::string host;  // mesh name
  std::optional<TrafficPolicy> traffic_policy;
  std::vector<Subset> subsets;
  // A host's rule as routing uses it merges every DestinationRule of the
  // host, as Istio merges them: these, oldest first. Empty for a rule as
  // read from its file.
  std::vector<Origin> merged_from;

  const Subset* FindSubset(absl::string_view name) const;
};

// A workload's address, ports and labels: a WorkloadEntry, or an endpoint of
// a ServiceEntry.
struct Workload {
  Origin origin;
  std::string address;
  std::map<std::string, uint32_t> ports;  // port name -> number
  std::map<std::string, std::string> labels;
  std::string service_account;
};

struct ServiceEntry {
  Origin origin;
  std::vector<std::string> hosts;
  struct Port {
    uint32_t number = 0;
    std::string name;
    std::string protocol;
  };
  std::vector<Port> ports;
  enum class Resolution { kStatic, kDns, kNone };
  Resolution resolution = Resolution::kStatic;
  std::vector<Workload> endpoints;
};

// security.istio.io PeerAuthentication.
struct PeerAuthentication {
  Origin origin;
  std::map<std::string, std::string> selector;  // empty: every workload of the namespace
  enum class Mode { kStrict, kPermissive, kDisable };
  Mode mode = Mode::kStrict;
};

// Istio's authorization string match: "abc" exact, "abc*" prefix, "*abc"
// suffix, "*" any non-empty value.
struct AuthzValue {
  std::string text;
  bool Matches(absl::string_view value) const;
};

struct AuthzCondition {
  std::string key;  // "request.headers[<name>]", "source.principal", "source.namespace"
  std::vector<AuthzValue> values;
  std::vector<AuthzValue> not_values;
};

struct AuthzSource {
  std::vector<AuthzValue> principals, not_principals;
  std::vector<AuthzValue> namespaces, not_namespaces;
};

struct AuthzOperation {
  std::vector<AuthzValue> paths, not_paths;
  std::vector<AuthzValue> methods, not_methods;
};

struct AuthzRule {
  std::vector<AuthzSource> from;     // empty: any source
  std::vector<AuthzOperation> to;    // empty: any operation
  std::vector<AuthzCondition> when;  // all must hold
};

// security.istio.io AuthorizationPolicy (actions ALLOW and DENY).
struct AuthorizationPolicy {
  Origin origin;
  std::map<std::string, std::string> selector;  // empty: every workload of the namespace
  enum class Action { kAllow, kDeny };
  Action action = Action::kAllow;
  std::vector<AuthzRule> rules;  // ALLOW with none allows nothing; DENY with none denies nothing
};

// meshup.dev/v1alpha1 Mesh: what Istio has no kind for.
struct MeshConfig {
  Origin origin;
  std::string trust_domain = "cluster.local";
  struct Registry {
    enum class Type { kFile, kEtcd, kDns };
    Type type = Type::kFile;
    std::string directory;               // file
    std::vector<std::string> endpoints;  // etcd: "http://127.0.0.1:2379"
    std::string prefix = "/meshup/";     // etcd key prefix
    // dns: the name of a service ({service}, {namespace} replaced) and the
    // services' port.
    std::string name_template = "{service}.{namespace}.svc.cluster.local";
    uint32_t port = 0;
  };
  Registry registry;
  // spec.telemetry: read when a Mesh is created (a change takes a restart).
  struct Telemetry {
    double sampling_percent = 100;  // tracing.randomSamplingPercentage, of new traces
    std::string otlp_endpoint;      // tracing.otlpEndpoint: an OTLP/HTTP collector
    std::string trace_file;         // tracing.file: spans as JSON lines
    std::string access_log_file;    // accessLog.file: JSON lines; "-" for stderr
    // rotation: of the two files above, by size.
    int64_t rotation_max_bytes = int64_t{10} << 20;  // rotation.maxBytes
    int rotation_max_files = 3;                      // rotation.maxFiles, the current one included
    int64_t max_series = 10000;                      // metrics.maxSeries
  };
  Telemetry telemetry;
};

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_MODEL_H_
