#include "config/cross_checks.h"

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

std::string SubsetNames(const DestinationRule& rule) {
  std::vector<std::string> names;
  for (const Subset& subset : rule.subsets) names.push_back(subset.name);
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// "DestinationRule default/r (r.yaml) defines: ", or with a merged rule
// "DestinationRules default/a (a.yaml), default/b (b.yaml) define: ".
std::string RuleNames(const DestinationRule& rule) {
  auto name = [](const Origin& origin) {
    return absl::StrCat(origin.namespace_name, "/", origin.name, " (", origin.file, ")");
  };
  if (rule.merged_from.empty()) {
    return absl::StrCat("DestinationRule ", name(rule.origin), " defines: ");
  }
  std::vector<std::string> names;
  for (const Origin& origin : rule.merged_from) names.push_back(name(origin));
  return absl::StrCat("DestinationRules ", absl::StrJoin(names, ", "), " define: ");
}

// A route's destination names a subset its host's DestinationRule does not
// define: Istio accepts this, and calls routed there fail (no such
// cluster). MeshUp does the same (UNAVAILABLE, "no healthy upstream"), and
// warns, naming the subsets that exist.
std::optional<std::string> UndefinedSubset(const Snapshot& snapshot, const VirtualService& vs,
                                           const HttpRoute& route, const Destination& destination) {
  if (destination.subset.empty()) return std::nullopt;
  const DestinationRule* rule = snapshot.DestinationRuleFor(destination.host);
  if (rule != nullptr && rule->FindSubset(destination.subset) != nullptr) {
    return std::nullopt;  // the common case formats nothing
  }
  const std::string where = absl::StrCat(vs.origin.file, ":", route.line, ": VirtualService ",
                                         vs.origin.namespace_name, "/", vs.origin.name, ": ");
  constexpr absl::string_view kFails = "; calls routed there fail with UNAVAILABLE, as in Istio";
  if (rule == nullptr) {
    return absl::StrCat(where, "subset '", destination.subset, "' of host '", destination.host,
                        "': no DestinationRule defines subsets for host '", destination.host, "'",
                        kFails);
  }
  return absl::StrCat(where, "unknown subset '", destination.subset, "' of host '",
                      destination.host, "'; ", RuleNames(*rule), SubsetNames(*rule), kFails);
}

}  // namespace

absl::Status CheckAcrossObjects(Snapshot& snapshot) {
  // The same kind, namespace and name twice.
  absl::flat_hash_map<std::tuple<absl::string_view, absl::string_view, absl::string_view>,
                      const Origin*>
      seen;
  auto check = [&seen](const Origin& origin) -> absl::Status {
    auto [it, inserted] = seen.emplace(
        std::make_tuple(absl::string_view(origin.kind), absl::string_view(origin.namespace_name),
                        absl::string_view(origin.name)),
        &origin);
    if (inserted) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(origin.file, ":", origin.line, ": ", origin.kind,
                                                   " ", origin.namespace_name, "/", origin.name,
                                                   " is defined twice; the other is at ",
                                                   it->second->file, ":", it->second->line));
  };
  for (const VirtualService& vs : snapshot.virtual_services)
    MESHUP_RETURN_IF_ERROR(check(vs.origin));
  for (const DestinationRule& dr : snapshot.destination_rules)
    MESHUP_RETURN_IF_ERROR(check(dr.origin));
  for (const ServiceEntry& se : snapshot.service_entries) MESHUP_RETURN_IF_ERROR(check(se.origin));
  for (const Workload& we : snapshot.workload_entries) MESHUP_RETURN_IF_ERROR(check(we.origin));
  for (const auto& pa : snapshot.peer_authentications) MESHUP_RETURN_IF_ERROR(check(pa.origin));
  for (const auto& ap : snapshot.authorization_policies) MESHUP_RETURN_IF_ERROR(check(ap.origin));

  // A host's DestinationRules merge, and its oldest VirtualService routes it
  // (merge.h), as in Istio.
  snapshot.BuildIndexes();
  for (const VirtualService& vs : snapshot.virtual_services) {
    if (!vs.routes_mesh) continue;
    for (const std::string& host : vs.hosts) {
      const VirtualService* routing = snapshot.VirtualServiceFor(host);
      if (routing == &vs) continue;
      snapshot.warnings.push_back(absl::StrCat(
          vs.origin.file, ":", vs.origin.line, ": VirtualService ", vs.origin.namespace_name, "/",
          vs.origin.name, ": host '", host, "' is already routed by VirtualService ",
          routing->origin.namespace_name, "/", routing->origin.name, " (", routing->origin.file,
          ":", routing->origin.line,
          "); this one is ignored for it, as Istio ignores all but the oldest"));
    }
  }
  for (const VirtualService& vs : snapshot.virtual_services) {
    for (const HttpRoute& route : vs.http) {
      for (const WeightedDestination& weighted : route.route) {
        if (auto warning = UndefinedSubset(snapshot, vs, route, weighted.destination)) {
          snapshot.undefined_subsets.push_back(*warning);
          snapshot.warnings.push_back(*std::move(warning));
        }
      }
      if (route.mirror) {
        if (auto warning = UndefinedSubset(snapshot, vs, route, *route.mirror)) {
          snapshot.undefined_subsets.push_back(*warning);
          snapshot.warnings.push_back(*std::move(warning));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace meshup::config
