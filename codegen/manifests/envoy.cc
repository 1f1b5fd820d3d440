// The envoy target: a static bootstrap per workload for an Envoy sidecar.
//
// Outbound routes come from a config::Snapshot: the --config directory's, or
// one loaded from this generator's own Istio output, so that both paths read
// routes the way the runtime does. Where a route sets no timeout or retries,
// the called method's IDL options apply (as in the runtime); Envoy's own
// defaults (a 15 s timeout) never do.
#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/manifests/targets.h"
#include "config/loader.h"

namespace meshup::manifests {
namespace {

using kainjow::mustache::data;

constexpr char kIdentityDir[] = "/var/run/meshup/identity";

struct ClusterKey {
  std::string host;
  std::string subset;
  uint32_t port = 0;
  bool operator<(const ClusterKey& other) const {
    return std::tie(host, subset, port) < std::tie(other.host, other.subset, other.port);
  }
};

std::string Fqdn(const ManifestModel& model, const std::string& host) {
  return model.Find(host) ? absl::StrCat(host, ".", model.namespace_name, ".svc.cluster.local")
                          : host;
}

uint32_t PortOf(const ManifestModel& model, const config::Snapshot& snapshot,
                const config::Destination& destination) {
  if (destination.port != 0) return destination.port;
  if (const ServiceModel* service = model.Find(destination.host)) return service->port;
  for (const config::ServiceEntry& entry : snapshot.service_entries) {
    for (const std::string& host : entry.hosts) {
      if (host == destination.host && !entry.ports.empty()) return entry.ports[0].number;
    }
  }
  return 0;
}

std::string ClusterName(const ManifestModel& model, const ClusterKey& key) {
  return absl::StrCat("outbound|", key.port, "|", key.subset, "|", Fqdn(model, key.host));
}

std::string GrpcRetryOn(const std::vector<absl::StatusCode>& codes) {
  if (codes.empty()) return "unavailable,cancelled";  // Istio's default, as the runtime reads it
  std::vector<std::string> names;
  for (absl::StatusCode code : codes) {
    switch (code) {
      case absl::StatusCode::kCancelled:
        names.push_back("cancelled");
        break;
      case absl::StatusCode::kDeadlineExceeded:
        names.push_back("deadline-exceeded");
        break;
      case absl::StatusCode::kInternal:
        names.push_back("internal");
        break;
      case absl::StatusCode::kResourceExhausted:
        names.push_back("resource-exhausted");
        break;
      default:
        names.push_back("unavailable");
        break;
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return absl::StrJoin(names, ",");
}

// The IDL method an exact path names on `host`, if any.
const codegen::MethodView* IdlMethod(const ManifestModel& model, const std::string& host,
                                     const config::RouteMatch* match) {
  const ServiceModel* service = model.Find(host);
  if (service == nullptr || !service->idl || match == nullptr || !match->uri ||
      match->uri->kind != config::StringMatch::Kind::kExact) {
    return nullptr;
  }
  for (const codegen::MethodView& method : service->idl->methods) {
    if (method.path == match->uri->value) return &method;
  }
  return nullptr;
}

data StringMatchData(const config::StringMatch& match) {
  data d;
  switch (match.kind) {
    case config::StringMatch::Kind::kExact:
      d.set("kind", "exact");
      break;
    case config::StringMatch::Kind::kPrefix:
      d.set("kind", "prefix");
      break;
    case config::StringMatch::Kind::kRegex:
      d.set("kind", "safe_regex");
      break;
  }
  d.set("value_quoted", match.kind == config::StringMatch::Kind::kRegex
                            ? absl::StrCat("{regex: ", YamlQuote(match.value), "}")
                            : YamlQuote(match.value));
  return d;
}

// One Envoy route for one match entry (nullptr: match everything).
absl::StatusOr<data> RouteData(const ManifestModel& model, const config::Snapshot& snapshot,
                               const config::VirtualService& vs, const config::HttpRoute& route,
                               const std::string& host, const config::RouteMatch* match,
                               std::set<ClusterKey>& clusters) {
  const std::string where = absl::StrCat(vs.origin.file, ":", route.line, ": VirtualService ",
                                         vs.origin.namespace_name, "/", vs.origin.name);
  if (route.delay || route.abort || route.mirror) {
    return absl::UnimplementedError(
        absl::StrCat(where, ": the envoy target does not render fault injection or mirroring yet"));
  }
  const bool header_operations =
      route.headers.has_value() ||
      std::any_of(route.route.begin(), route.route.end(),
                  [](const config::WeightedDestination& d) { return d.headers.has_value(); });
  if (header_operations || !route.in_mesh || (match != nullptr && !match->in_mesh)) {
    return absl::UnimplementedError(absl::StrCat(
        where, ": the envoy target does not render header operations or gateway-bound routes yet"));
  }
  data d;
  d.set("origin", absl::StrCat(where, route.name.empty() ? "" : ", route " + route.name));
  d.set("name_quoted", YamlQuote(route.name.empty() ? host : route.name));
  const config::StringMatch* uri = match && match->uri ? &*match->uri : nullptr;
  const bool exact = uri && uri->kind == config::StringMatch::Kind::kExact;
  const bool regex = uri && uri->kind == config::StringMatch::Kind::kRegex;
  const bool prefix = !exact && !regex;
  d.set("path_exact", exact ? data("value_quoted", YamlQuote(uri->value)) : Bool(false));
  d.set("path_regex", regex ? data("value_quoted", YamlQuote(uri->value)) : Bool(false));
  d.set("path_prefix",
        prefix ? data("value_quoted", YamlQuote(uri ? uri->value : "/")) : Bool(false));
  d.set("case_insensitive", Bool(match && match->ignore_uri_case));
  data headers = data::type::list;
  if (match) {
    for (const auto* list : {&match->headers, &match->without_headers}) {
      for (const config::HeaderMatch& header : *list) {
        data h = StringMatchData(header.match);
        h.set("header", header.name);
        h.set("invert", Bool(list == &match->without_headers));
        headers.push_back(h);
      }
    }
  }
  d.set("has_headers", Bool(match && (!match->headers.empty() || !match->without_headers.empty())));
  d.set("headers", headers);
  data route_clusters = data::type::list;
  std::string first_cluster;
  for (const config::WeightedDestination& weighted : route.route) {
    ClusterKey key{weighted.destination.host, weighted.destination.subset,
                   PortOf(model, snapshot, weighted.destination)};
    if (key.port == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no port known for host '", key.host, "'; set destination.port"));
    }
    clusters.insert(key);
    data c;
    c.set("cluster", ClusterName(model, key));
    c.set("weight", std::to_string(weighted.weight));
    route_clusters.push_back(c);
    if (first_cluster.empty()) first_cluster = ClusterName(model, key);
  }
  d.set("single", Bool(route.route.size() == 1));
  d.set("cluster", first_cluster);
  d.set("clusters", route_clusters);
  const codegen::MethodView* method = IdlMethod(model, host, match);
  std::string timeout = "0s";
  if (route.timeout) {
    timeout = YamlDuration(*route.timeout);
  } else if (method != nullptr && method->timeout != absl::InfiniteDuration()) {
    timeout = YamlDuration(method->timeout);
  }
  d.set("timeout", timeout);
  data retry;
  int retries = 0;
  absl::Duration per_try = absl::ZeroDuration();
  std::string retry_on;
  if (route.retries) {
    retries = route.retries->attempts;
    per_try = route.retries->per_try_timeout;
    retry_on = GrpcRetryOn(route.retries->retry_on);
  } else if (method != nullptr && method->retry_attempts > 1) {
    retries = method->retry_attempts - 1;
    per_try = method->retry_per_try_timeout;
    std::vector<absl::StatusCode> codes;
    for (const std::string& code : method->retry_on) {
      if (code == "kCancelled") codes.push_back(absl::StatusCode::kCancelled);
      if (code == "kDeadlineExceeded") codes.push_back(absl::StatusCode::kDeadlineExceeded);
      if (code == "kInternal") codes.push_back(absl::StatusCode::kInternal);
      if (code == "kResourceExhausted") codes.push_back(absl::StatusCode::kResourceExhausted);
      if (code == "kUnavailable") codes.push_back(absl::StatusCode::kUnavailable);
    }
    retry_on = codes.empty() ? "unavailable" : GrpcRetryOn(codes);
  }
  if (retries > 0) {
    retry.set("retry_on", retry_on);
    retry.set("num_retries", std::to_string(retries));
    retry.set("has_per_try_timeout", Bool(per_try > absl::ZeroDuration()));
    retry.set("per_try_timeout", YamlDuration(per_try));
    d.set("retry", retry);
  } else {
    d.set("retry", Bool(false));
  }
  return d;
}

bool SourceMatches(const config::RouteMatch& match,
                   const std::map<std::string, std::string>& labels,
                   const std::string& namespace_name) {
  for (const auto& [key, value] : match.source_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return match.source_namespace.empty() || match.source_namespace == namespace_name;
}

absl::StatusOr<std::shared_ptr<const config::Snapshot>> OwnIstioRoutes(
    const ManifestModel& model, const codegen::TemplateSource& templates) {
  std::vector<config::ConfigFile> files;
  for (const ServiceModel& service : model.services) {
    absl::StatusOr<std::string> text = RenderIstioService(model, service, templates);
    if (!text.ok()) return text.status();
    files.push_back({absl::StrCat("istio/", service.name, ".yaml"), *std::move(text)});
  }
  return config::LoadConfigFiles(files);
}

}  // namespace

absl::Status RenderEnvoy(const ManifestModel& model, const config::Snapshot* routes,
                         const codegen::TemplateSource& templates, OutputFiles& out) {
  std::shared_ptr<const config::Snapshot> own;
  if (routes == nullptr) {
    absl::StatusOr<std::shared_ptr<const config::Snapshot>> loaded =
        OwnIstioRoutes(model, templates);
    if (!loaded.ok()) return loaded.status();
    own = *loaded;
    routes = own.get();
  }
  for (const ServiceModel& service : model.services) {
    for (const DeployVersion& version : service.versions) {
      const std::map<std::string, std::string> labels = {{"app", service.name},
                                                         {"version", version.name}};
      std::set<ClusterKey> clusters;
      data hosts = data::type::list;
      for (const std::string& host : service.calls) {
        const ServiceModel* callee = model.Find(host);
        data h;
        h.set("host", Fqdn(model, host));
        data domains = data::type::list;
        for (const std::string& name :
             {host, absl::StrCat(host, ".", model.namespace_name),
              absl::StrCat(host, ".", model.namespace_name, ".svc"), Fqdn(model, host)}) {
          domains.push_back(data("domain", name));
          domains.push_back(data("domain", absl::StrCat(name, ":", callee->port)));
        }
        h.set("domains", domains);
        data route_list = data::type::list;
        const config::VirtualService* vs = routes->VirtualServiceFor(host);
        if (vs == nullptr) {
          config::VirtualService none;
          none.origin.file = "(no VirtualService)";
          none.origin.name = host;
          config::HttpRoute all;
          all.route.push_back({{host, "", 0}, 100});
          absl::StatusOr<data> d = RouteData(model, *routes, none, all, host, nullptr, clusters);
          if (!d.ok()) return d.status();
          route_list.push_back(*d);
        } else {
          for (const config::HttpRoute& route : vs->http) {
            std::vector<const config::RouteMatch*> matches;
            for (const config::RouteMatch& match : route.matches) {
              if (SourceMatches(match, labels, model.namespace_name)) matches.push_back(&match);
            }
            if (route.matches.empty()) matches.push_back(nullptr);
            for (const config::RouteMatch* match : matches) {
              absl::StatusOr<data> d = RouteData(model, *routes, *vs, route, host, match, clusters);
              if (!d.ok()) return d.status();
              route_list.push_back(*d);
            }
          }
        }
        h.set("routes", route_list);
        hosts.push_back(h);
      }
      data cluster_list = data::type::list;
      for (const ClusterKey& key : clusters) {
        data c;
        c.set("cluster", ClusterName(model, key));
        c.set("cluster_port", std::to_string(key.port));
        const ServiceModel* callee = model.Find(key.host);
        std::string address = Fqdn(model, key.host);
        if (callee != nullptr && !key.subset.empty()) {
          const config::DestinationRule* rule = routes->DestinationRuleFor(key.host);
          const config::Subset* subset = rule ? rule->FindSubset(key.subset) : nullptr;
          if (subset == nullptr || subset->labels.size() != 1 ||
              subset->labels.count("version") == 0) {
            return absl::UnimplementedError(absl::StrCat(
                "envoy target: subset '", key.subset, "' of host '", key.host,
                "' must select by the version label alone (its workloads are reached through "
                "the Service <service>-<version>)"));
          }
          address = absl::StrCat(key.host, "-", subset->labels.at("version"), ".",
                                 model.namespace_name, ".svc.cluster.local");
        }
        c.set("address", address);
        if (callee != nullptr) {
          c.set("mesh", data("spiffe_id",
                             absl::StrCat("spiffe://", model.trust_domain, "/ns/",
                                          model.namespace_name, "/sa/", callee->service_account)));
        } else {
          c.set("mesh", Bool(false));
        }
        cluster_list.push_back(c);
      }
      data d;
      d.set("source", SourceOf(model, service));
      d.set("service", service.name);
      d.set("version", version.name);
      d.set("namespace", model.namespace_name);
      d.set("port", std::to_string(service.port));
      d.set("grpc", Bool(service.grpc));
      d.set("identity_dir", kIdentityDir);
      d.set("routes_source", own ? "as the generated Istio VirtualServices say"
                                 : "as the --config directory's VirtualServices say");
      d.set("hosts", hosts);
      d.set("clusters", cluster_list);
      const std::string path = absl::StrCat("envoy/", service.name, "-", version.name, ".yaml");
      absl::StatusOr<std::string> text = RenderYaml(templates, "envoy/bootstrap.mustache", d, path);
      if (!text.ok()) return text.status();
      out[path] = *std::move(text);
    }
  }
  return absl::OkStatus();
}

}  // namespace meshup::manifests
