#include "config_check.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/manifests/manifest_model.h"
#include "config/loader.h"

namespace meshup::cli {
namespace {

using config::Snapshot;

Finding Make(absl::string_view code, Finding::Severity severity, const std::string& file, int line,
             std::string message) {
  return Finding{std::string(code), severity, file, line, std::move(message)};
}

std::string Name(const config::Origin& origin) {
  return absl::StrCat(origin.kind, " ", origin.namespace_name, "/", origin.name);
}

// Every workload the checks know: the snapshot's own and `extra`.
std::vector<KnownWorkload> AllWorkloads(const Snapshot& snapshot,
                                        const std::vector<KnownWorkload>& extra) {
  std::vector<KnownWorkload> all = extra;
  for (const config::Workload& workload : snapshot.workload_entries) {
    all.push_back({workload.origin.namespace_name, workload.labels, workload.service_account});
  }
  return all;
}

// The hosts something serves, with the labels of each of its workloads.
std::map<std::string, std::vector<std::map<std::string, std::string>>> ServedHosts(
    const Snapshot& snapshot, const std::vector<KnownWorkload>& workloads) {
  std::map<std::string, std::vector<std::map<std::string, std::string>>> hosts;
  for (const KnownWorkload& workload : workloads) {
    auto app = workload.labels.find("app");
    if (app != workload.labels.end()) hosts[app->second].push_back(workload.labels);
  }
  for (const config::ServiceEntry& entry : snapshot.service_entries) {
    for (const std::string& host : entry.hosts) {
      auto& list = hosts[host];
      for (const config::Workload& endpoint : entry.endpoints) list.push_back(endpoint.labels);
      if (entry.endpoints.empty()) list.push_back({});  // resolved by DNS: no labels
    }
  }
  return hosts;
}

bool IsCatchAll(const config::HttpRoute& route) {
  if (route.matches.empty()) return true;
  for (const config::RouteMatch& match : route.matches) {
    const bool only_uri = match.headers.empty() && match.without_headers.empty() &&
                          match.source_labels.empty() && match.source_namespace.empty();
    if (!only_uri) continue;
    if (!match.uri) return true;
    const config::StringMatch& uri = *match.uri;
    if (uri.kind == config::StringMatch::Kind::kPrefix && (uri.value.empty() || uri.value == "/")) {
      return true;
    }
    if (uri.kind == config::StringMatch::Kind::kRegex &&
        (uri.value == ".*" || uri.value == "/.*")) {
      return true;
    }
  }
  return false;
}

std::string RouteName(const config::HttpRoute& route, size_t index) {
  return route.name.empty() ? absl::StrCat("http[", index, "]")
                            : absl::StrCat("http[", index, "] '", route.name, "'");
}

void CheckRoutes(
    const Snapshot& snapshot,
    const std::map<std::string, std::vector<std::map<std::string, std::string>>>& hosts,
    std::set<std::pair<std::string, std::string>>& routed_subsets, std::vector<Finding>& findings) {
  for (const config::VirtualService& vs : snapshot.virtual_services) {
    for (const std::string& host : vs.hosts) {
      // The host's VirtualService is its oldest (the loader decides).
      const config::VirtualService* routing = snapshot.VirtualServiceFor(host);
      if (vs.routes_mesh && routing != nullptr && routing != &vs) {
        findings.push_back(
            Make("MU0105", Finding::Severity::kError, vs.origin.file, vs.origin.line,
                 absl::StrCat(Name(vs.origin), ": host '", host, "' is already routed by ",
                              Name(routing->origin), " (", routing->origin.file, ":",
                              routing->origin.line,
                              "); this one is ignored for it. Merge the routes into one "
                              "VirtualService")));
      }
    }
    int catch_all = -1;
    for (size_t i = 0; i < vs.http.size(); ++i) {
      const config::HttpRoute& route = vs.http[i];
      if (catch_all >= 0) {
        findings.push_back(
            Make("MU0104", Finding::Severity::kWarning, vs.origin.file, route.line,
                 absl::StrCat(Name(vs.origin), ": ", RouteName(route, i),
                              " can never match: ", RouteName(vs.http[catch_all], catch_all),
                              " before it matches every request")));
      } else if (IsCatchAll(route)) {
        catch_all = static_cast<int>(i);
      }
      std::vector<const config::Destination*> destinations;
      for (const config::WeightedDestination& weighted : route.route) {
        destinations.push_back(&weighted.destination);
      }
      if (route.mirror) destinations.push_back(&*route.mirror);
      for (const config::Destination* destination : destinations) {
        const bool mirror = route.mirror && destination == &*route.mirror;
        auto served = hosts.find(destination->host);
        if (served == hosts.end()) {
          findings.push_back(
              Make("MU0101", Finding::Severity::kError, vs.origin.file, route.line,
                   absl::StrCat(Name(vs.origin), ": ", RouteName(route, i), " ",
                                mirror ? "mirrors" : "routes", " to host '", destination->host,
                                "', which no workload or ServiceEntry serves")));
          continue;
        }
        if (destination->subset.empty()) continue;
        routed_subsets.emplace(destination->host, destination->subset);
        const config::DestinationRule* rule = snapshot.DestinationRuleFor(destination->host);
        const config::Subset* subset = rule ? rule->FindSubset(destination->subset) : nullptr;
        if (subset == nullptr) {  // the loader warns; calls there fail
          findings.push_back(
              Make("MU0102", Finding::Severity::kError, vs.origin.file, route.line,
                   absl::StrCat(Name(vs.origin), ": ", RouteName(route, i), " ",
                                mirror ? "mirrors" : "routes", " to subset '", destination->subset,
                                "' of host '", destination->host,
                                "', which no DestinationRule defines: its calls fail with "
                                "UNAVAILABLE")));
          continue;
        }
        const bool matched = std::any_of(
            served->second.begin(), served->second.end(),
            [&](const auto& labels) { return config::SelectorMatches(subset->labels, labels); });
        if (!matched) {
          findings.push_back(Make(
              "MU0102", Finding::Severity::kError, vs.origin.file, route.line,
              absl::StrCat(Name(vs.origin), ": ", RouteName(route, i), " ",
                           mirror ? "mirrors" : "routes", " to subset '", destination->subset,
                           "' of host '", destination->host, "', which no workload matches (",
                           Name(rule->origin), " selects it by labels ",
                           absl::StrJoin(subset->labels, ", ", absl::PairFormatter("=")), ")")));
        }
      }
    }
  }
}

void CheckSubsets(
    const Snapshot& snapshot,
    const std::map<std::string, std::vector<std::map<std::string, std::string>>>& hosts,
    const std::set<std::pair<std::string, std::string>>& routed_subsets,
    std::vector<Finding>& findings) {
  for (const config::DestinationRule& rule : snapshot.destination_rules) {
    if (config::IsWildcard(rule.host)) continue;  // covers hosts the check cannot list
    auto served = hosts.find(rule.host);
    for (const config::Subset& subset : rule.subsets) {
      if (routed_subsets.count({rule.host, subset.name}) > 0) continue;  // MU0102 says it
      const bool matched =
          served != hosts.end() &&
          std::any_of(served->second.begin(), served->second.end(), [&](const auto& labels) {
            return config::SelectorMatches(subset.labels, labels);
          });
      if (!matched) {
        findings.push_back(
            Make("MU0103", Finding::Severity::kWarning, rule.origin.file, rule.origin.line,
                 absl::StrCat(Name(rule.origin), ": subset '", subset.name, "' of host '",
                              rule.host, "' matches no workload (labels ",
                              absl::StrJoin(subset.labels, ", ", absl::PairFormatter("=")), ")")));
      }
    }
  }
}

void CheckPolicies(const Snapshot& snapshot, const std::vector<KnownWorkload>& workloads,
                   std::vector<Finding>& findings) {
  std::set<std::string> principals;
  for (const KnownWorkload& workload : workloads) {
    if (workload.service_account.empty()) continue;
    principals.insert(absl::StrCat(snapshot.mesh.trust_domain, "/ns/", workload.namespace_name,
                                   "/sa/", workload.service_account));
  }
  for (const config::AuthorizationPolicy& policy : snapshot.authorization_policies) {
    std::set<std::string> named;
    for (const config::AuthzRule& rule : policy.rules) {
      for (const config::AuthzSource& source : rule.from) {
        for (const auto* list : {&source.principals, &source.not_principals}) {
          for (const config::AuthzValue& value : *list) named.insert(value.text);
        }
      }
      for (const config::AuthzCondition& condition : rule.when) {
        if (condition.key != "source.principal") continue;
        for (const auto* list : {&condition.values, &condition.not_values}) {
          for (const config::AuthzValue& value : *list) named.insert(value.text);
        }
      }
    }
    for (const std::string& principal : named) {
      if (absl::StrContains(principal, "*")) continue;  // a pattern, not a name
      if (principals.count(principal) > 0) continue;
      findings.push_back(
          Make("MU0106", Finding::Severity::kWarning, policy.origin.file, policy.origin.line,
               absl::StrCat(Name(policy.origin), ": principal '", principal,
                            "' is no workload's service account (known: ",
                            principals.empty() ? "none" : absl::StrJoin(principals, ", "), ")")));
    }
  }
}

// MU0107: gRPC calls are POST, so an operation whose methods leave POST out
// matches no MeshUp call (Istio's HTTP tasks write methods: ["GET"]).
void CheckPolicyMethods(const Snapshot& snapshot, std::vector<Finding>& findings) {
  for (const config::AuthorizationPolicy& policy : snapshot.authorization_policies) {
    for (size_t r = 0; r < policy.rules.size(); ++r) {
      const config::AuthzRule& rule = policy.rules[r];
      for (size_t o = 0; o < rule.to.size(); ++o) {
        const config::AuthzOperation& operation = rule.to[o];
        auto matches_post = [](const std::vector<config::AuthzValue>& values) {
          return std::any_of(values.begin(), values.end(),
                             [](const config::AuthzValue& value) { return value.Matches("POST"); });
        };
        std::string why;
        if (!operation.methods.empty() && !matches_post(operation.methods)) {
          std::vector<std::string> listed;
          for (const config::AuthzValue& value : operation.methods) listed.push_back(value.text);
          why = absl::StrCat("methods [", absl::StrJoin(listed, ", "), "] leave out POST");
        } else if (matches_post(operation.not_methods)) {
          why = "notMethods covers POST";
        }
        if (why.empty()) continue;
        const bool deny = policy.action == config::AuthorizationPolicy::Action::kDeny;
        findings.push_back(Make(
            "MU0107", Finding::Severity::kWarning, policy.origin.file, policy.origin.line,
            absl::StrCat(Name(policy.origin), ": rules[", r, "].to[", o, "]: ", why,
                         ", and every gRPC call is POST: this operation matches no call, so the "
                         "rule ",
                         deny ? "denies" : "allows", " nothing")));
      }
    }
  }
}

// Moves the place a loader message starts with ("file:line: " or
// "file:line:column: ") from `finding.message` into its fields.
void PlaceLoaderMessage(Finding& finding) {
  const std::string& text = finding.message;
  for (size_t colon = text.find(':'); colon != std::string::npos;
       colon = text.find(':', colon + 1)) {
    int numbers[2] = {0, 0};
    size_t at = colon;
    int read = 0;
    while (read < 2 && at < text.size() && text[at] == ':' && at + 1 < text.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text[at + 1]))) {
      size_t end = at + 1;
      while (end < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[end]))) ++end;
      if (!absl::SimpleAtoi(text.substr(at + 1, end - at - 1), &numbers[read])) return;
      ++read;
      at = end;
    }
    if (read == 0 || text.compare(at, 2, ": ") != 0) continue;
    finding.file = text.substr(0, colon);
    finding.line = numbers[0];
    finding.column = read == 2 ? numbers[1] : 0;
    finding.message = text.substr(at + 2);
    return;
  }
}

// MU0002: what the loader warns about (fields that load and do nothing, ...),
// but for what MU0102 and MU0105 already say.
void AddLoaderWarnings(const Snapshot& snapshot, std::vector<Finding>& findings) {
  const std::set<std::string> said(snapshot.undefined_subsets.begin(),
                                   snapshot.undefined_subsets.end());
  std::vector<std::string> ignored_routes;  // the loader's text for MU0105's cases
  for (const config::VirtualService& vs : snapshot.virtual_services) {
    for (const std::string& host : vs.hosts) {
      ignored_routes.push_back(absl::StrCat(
          vs.origin.file, ":", vs.origin.line, ": VirtualService ", vs.origin.namespace_name, "/",
          vs.origin.name, ": host '", host, "' is already routed by "));
    }
  }
  for (const std::string& warning : snapshot.warnings) {
    if (said.count(warning) > 0) continue;
    if (std::any_of(ignored_routes.begin(), ignored_routes.end(),
                    [&](const std::string& prefix) { return absl::StartsWith(warning, prefix); })) {
      continue;
    }
    // The loader's "file:line[:column]: message", placed as other findings are.
    Finding finding = Make("MU0002", Finding::Severity::kWarning, "", 0, warning);
    PlaceLoaderMessage(finding);
    findings.push_back(std::move(finding));
  }
}

}  // namespace

std::string Finding::ToString() const {
  const char* level = severity == Severity::kError ? "error" : "warning";
  if (file.empty()) return absl::StrCat(level, " ", code, ": ", message);
  const std::string column_text = column > 0 ? absl::StrCat(":", column) : "";
  return absl::StrCat(file, ":", line, column_text, ": ", level, " ", code, ": ", message);
}

std::vector<Finding> CheckSnapshot(const Snapshot& snapshot,
                                   const std::vector<KnownWorkload>& extra) {
  const std::vector<KnownWorkload> workloads = AllWorkloads(snapshot, extra);
  const auto hosts = ServedHosts(snapshot, workloads);
  std::vector<Finding> findings;
  std::set<std::pair<std::string, std::string>> routed_subsets;
  CheckRoutes(snapshot, hosts, routed_subsets, findings);
  CheckSubsets(snapshot, hosts, routed_subsets, findings);
  CheckPolicies(snapshot, workloads, findings);
  CheckPolicyMethods(snapshot, findings);
  AddLoaderWarnings(snapshot, findings);
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.code) < std::tie(b.file, b.line, b.code);
  });
  return findings;
}

absl::StatusOr<std::vector<KnownWorkload>> RegistryWorkloads(const std::string& registry_dir) {
  std::vector<KnownWorkload> workloads;
  absl::StatusOr<std::shared_ptr<const Snapshot>> registry =
      config::LoadConfigDirectory(registry_dir);
  if (!registry.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("registry ", registry_dir, ": ", registry.status().message()));
  }
  for (const config::Workload& workload : (*registry)->workload_entries) {
    workloads.push_back(
        {workload.origin.namespace_name, workload.labels, workload.service_account});
  }
  return workloads;
}

absl::StatusOr<std::vector<Finding>> CheckConfig(const CheckOptions& options) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      config::LoadConfigDirectory(options.config_dir);
  if (!snapshot.ok()) {
    return std::vector<Finding>{
        Make("MU0001", Finding::Severity::kError, "", 0, std::string(snapshot.status().message()))};
  }
  // The registry the workloads of this configuration use: the one named, or
  // the file registry its Mesh document names, as Mesh::Create() finds it.
  std::string registry_dir = options.registry_dir;
  const config::MeshConfig::Registry& mesh_registry = (*snapshot)->mesh.registry;
  if (registry_dir.empty() && mesh_registry.type == config::MeshConfig::Registry::Type::kFile) {
    registry_dir = mesh_registry.directory;
  }
  std::vector<KnownWorkload> workloads = options.workloads;
  if (!registry_dir.empty()) {
    absl::StatusOr<std::vector<KnownWorkload>> registry = RegistryWorkloads(registry_dir);
    if (!registry.ok()) return registry.status();
    workloads.insert(workloads.end(), registry->begin(), registry->end());
  }
  if (!options.deploy_file.empty()) {
    absl::StatusOr<manifests::ManifestModel> model =
        manifests::LoadManifestModel(options.deploy_file);
    if (!model.ok()) return model.status();
    for (const manifests::ServiceModel& service : model->services) {
      for (const manifests::DeployVersion& version : service.versions) {
        workloads.push_back({model->namespace_name,
                             {{"app", service.name}, {"version", version.name}},
                             service.service_account});
      }
    }
  }
  return CheckSnapshot(**snapshot, workloads);
}

}  // namespace meshup::cli
