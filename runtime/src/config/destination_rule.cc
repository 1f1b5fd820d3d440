// networking.istio.io DestinationRule: subsets and traffic policies.
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/parse_common.h"
#include "config/parsers.h"
#include "names.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

absl::StatusOr<LoadBalancer> ReadLoadBalancer(const YamlNode& node, const std::string& path,
                                              const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  LoadBalancer lb;
  YamlNode simple = fields.Get("simple");
  YamlNode hash = fields.Get("consistentHash");
  if (simple.IsDefined() == hash.IsDefined()) {
    return doc.Error(node, path, "set exactly one of simple or consistentHash");
  }
  if (simple.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(simple, fields.Path("simple"), doc));
    if (name == "LEAST_REQUEST" || name == "LEAST_CONN" || name == "UNSPECIFIED") {
      lb.policy = LoadBalancer::Policy::kLeastRequest;
    } else if (name == "ROUND_ROBIN") {
      lb.policy = LoadBalancer::Policy::kRoundRobin;
    } else if (name == "RANDOM") {
      lb.policy = LoadBalancer::Policy::kRandom;
    } else {
      return doc.Error(
          simple, fields.Path("simple"),
          absl::StrCat("'", name, "' is not supported; use LEAST_REQUEST, ROUND_ROBIN or RANDOM"));
    }
  } else {
    Fields hash_fields(hash, fields.Path("consistentHash"), doc);
    MESHUP_RETURN_IF_ERROR(hash_fields.status());
    YamlNode header = hash_fields.Get("httpHeaderName");
    if (!header.IsDefined()) {
      return doc.Error(hash, hash_fields.path(),
                       "httpHeaderName is required (hashing on cookies, source IP or query "
                       "parameters is not supported)");
    }
    lb.policy = LoadBalancer::Policy::kConsistentHash;
    MESHUP_ASSIGN_OR_RETURN(lb.hash_header,
                            ReadString(header, hash_fields.Path("httpHeaderName"), doc));
    MESHUP_RETURN_IF_ERROR(hash_fields.CheckAllRead());
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return lb;
}

absl::StatusOr<ConnectionPool> ReadConnectionPool(const YamlNode& node, const std::string& path,
                                                  const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  ConnectionPool pool;
  if (YamlNode http = fields.Get("http"); http.IsDefined()) {
    Fields http_fields(http, fields.Path("http"), doc);
    MESHUP_RETURN_IF_ERROR(http_fields.status());
    if (YamlNode max = http_fields.Get("http2MaxRequests"); max.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(int64_t n,
                              ReadInt(max, http_fields.Path("http2MaxRequests"), doc, 1, 1 << 30));
      pool.max_requests = static_cast<int>(n);
    }
    // HTTP/1 settings describe connections gRPC does not make.
    MESHUP_RETURN_IF_ERROR(
        http_fields.CheckAllRead({"http1MaxPendingRequests", "maxRequestsPerConnection",
                                  "h2UpgradePolicy", "idleTimeout", "useClientProtocol"}));
  }
  if (YamlNode tcp = fields.Get("tcp"); tcp.IsDefined()) {
    Fields tcp_fields(tcp, fields.Path("tcp"), doc);
    MESHUP_RETURN_IF_ERROR(tcp_fields.status());
    // gRPC's channel keeps its own connect deadline (at least 20 s).
    MESHUP_RETURN_IF_ERROR(
        tcp_fields.CheckAllRead({"connectTimeout", "maxConnections", "tcpKeepalive"}));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return pool;
}

absl::StatusOr<OutlierDetection> ReadOutlierDetection(const YamlNode& node, const std::string& path,
                                                      const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  OutlierDetection od;
  int errors_fields = 0;
  for (const char* key :
       {"consecutive5xxErrors", "consecutiveGatewayErrors", "consecutiveErrors"}) {
    if (YamlNode n = fields.Get(key); n.IsDefined()) {
      ++errors_fields;
      MESHUP_ASSIGN_OR_RETURN(int64_t value, ReadInt(n, fields.Path(key), doc, 1, 1000));
      od.consecutive_errors = static_cast<int>(value);
    }
  }
  if (errors_fields > 1) {
    return doc.Error(node, path,
                     "set one of consecutive5xxErrors, consecutiveGatewayErrors or "
                     "consecutiveErrors: for gRPC they count the same failures");
  }
  if (YamlNode n = fields.Get("baseEjectionTime"); n.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(od.base_ejection_time,
                            ReadDuration(n, fields.Path("baseEjectionTime"), doc));
  }
  if (YamlNode n = fields.Get("maxEjectionPercent"); n.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(int64_t v, ReadInt(n, fields.Path("maxEjectionPercent"), doc, 0, 100));
    od.max_ejection_percent = static_cast<int>(v);
  }
  // Ejection happens on the failure that reaches the threshold, not on an
  // interval's sweep, and never below a healthy minimum: these two would
  // change nothing.
  MESHUP_RETURN_IF_ERROR(
      fields.CheckAllRead({"interval", "minHealthPercent", "splitExternalLocalOriginErrors"}));
  return od;
}

// A host's traffic policy, or a subset's (`of_subset`).
absl::StatusOr<TrafficPolicy> ReadTrafficPolicy(const YamlNode& node, const std::string& path,
                                                const Document& doc, bool of_subset) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  TrafficPolicy policy;
  if (YamlNode lb = fields.Get("loadBalancer"); lb.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(policy.load_balancer,
                            ReadLoadBalancer(lb, fields.Path("loadBalancer"), doc));
  }
  if (YamlNode pool = fields.Get("connectionPool"); pool.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(policy.connection_pool,
                            ReadConnectionPool(pool, fields.Path("connectionPool"), doc));
    // The pool limit counts a host's calls, whichever subset they go to.
    if (of_subset) {
      doc.Warn(pool, fields.Path("connectionPool"),
               "has no effect in MeshUp and is ignored: the host's connectionPool limits the "
               "calls to all its subsets");
      policy.connection_pool.reset();
    }
  }
  if (YamlNode od = fields.Get("outlierDetection"); od.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(policy.outlier_detection,
                            ReadOutlierDetection(od, fields.Path("outlierDetection"), doc));
  }
  if (YamlNode ports = fields.Get("portLevelSettings"); ports.IsDefined()) {
    return doc.Error(ports, fields.Path("portLevelSettings"),
                     "not supported: a MeshUp service serves gRPC on one port, so its policy is "
                     "the one set at this level");
  }
  if (YamlNode tls = fields.Get("tls"); tls.IsDefined()) {
    Fields tls_fields(tls, fields.Path("tls"), doc);
    MESHUP_RETURN_IF_ERROR(tls_fields.status());
    MESHUP_ASSIGN_OR_RETURN(std::string mode,
                            ReadString(tls_fields.Get("mode"), tls_fields.Path("mode"), doc));
    if (mode == "DISABLE") {
      policy.tls_mode = TlsMode::kDisable;
    } else if (mode == "ISTIO_MUTUAL") {
      policy.tls_mode = TlsMode::kIstioMutual;
    } else {
      return doc.Error(tls, tls_fields.Path("mode"),
                       absl::StrCat("'", mode,
                                    "' is not supported; use ISTIO_MUTUAL (the mesh's own "
                                    "certificates) or DISABLE"));
    }
    MESHUP_RETURN_IF_ERROR(tls_fields.CheckAllRead());
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return policy;
}

}  // namespace

const Subset* DestinationRule::FindSubset(absl::string_view name) const {
  for (const Subset& subset : subsets) {
    if (subset.name == name) return &subset;
  }
  return nullptr;
}

absl::StatusOr<DestinationRule> ParseDestinationRule(const YamlNode& spec, const Origin& origin,
                                                     const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  DestinationRule rule;
  rule.origin = origin;
  YamlNode host = fields.Get("host");
  if (!host.IsDefined()) return doc.Error(spec, "spec.host", "host is required");
  MESHUP_ASSIGN_OR_RETURN(rule.host, ReadHostOrWildcard(host, "spec.host", doc, origin.namespace_name));
  if (YamlNode policy = fields.Get("trafficPolicy"); policy.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(rule.traffic_policy,
                            ReadTrafficPolicy(policy, fields.Path("trafficPolicy"), doc,
                                              /*of_subset=*/false));
  }
  YamlNode subsets = fields.Get("subsets");
  MESHUP_RETURN_IF_ERROR(CheckSequence(subsets, fields.Path("subsets"), doc));
  std::set<std::string> names;
  for (size_t i = 0; subsets.IsSequence() && i < subsets.size(); ++i) {
    const std::string path = absl::StrCat("spec.subsets[", i, "]");
    Fields subset_fields(subsets[i], path, doc);
    MESHUP_RETURN_IF_ERROR(subset_fields.status());
    Subset subset;
    YamlNode name = subset_fields.Get("name");
    if (!name.IsDefined()) return doc.Error(subsets[i], path, "name is required");
    MESHUP_ASSIGN_OR_RETURN(subset.name, ReadString(name, subset_fields.Path("name"), doc));
    if (!internal::IsDns1123Label(subset.name)) {
      return doc.Error(name, subset_fields.Path("name"),
                       absl::StrCat("subset name '", subset.name, "' is not a DNS-1123 label"));
    }
    if (!names.insert(subset.name).second) {
      return doc.Error(name, subset_fields.Path("name"),
                       absl::StrCat("subset '", subset.name, "' is defined twice"));
    }
    MESHUP_ASSIGN_OR_RETURN(subset.labels, ReadStringMap(subset_fields.Get("labels"),
                                                         subset_fields.Path("labels"), doc));
    if (YamlNode policy = subset_fields.Get("trafficPolicy"); policy.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(subset.traffic_policy,
                              ReadTrafficPolicy(policy, subset_fields.Path("trafficPolicy"), doc,
                                              /*of_subset=*/true));
    }
    MESHUP_RETURN_IF_ERROR(subset_fields.CheckAllRead());
    rule.subsets.push_back(std::move(subset));
  }
  if (YamlNode selector = fields.Get("workloadSelector"); selector.IsDefined()) {
    return doc.Error(selector, fields.Path("workloadSelector"),
                     "not supported: a rule for some calling workloads only; in MeshUp a host's "
                     "DestinationRules apply to every caller");
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead({"exportTo"}));
  return rule;
}

}  // namespace meshup::config
