#include "config/snapshot.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "config/merge.h"

namespace meshup::config {

bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool WildcardCovers(absl::string_view pattern, absl::string_view host) {
  if (pattern == "*") return true;
  if (!absl::StartsWith(pattern, "*.")) return false;
  const absl::string_view domain = pattern.substr(2);
  if (host.find('.') != absl::string_view::npos) {  // an external name
    return host.size() > domain.size() + 1 && absl::EndsWith(host, domain) &&
           host[host.size() - domain.size() - 1] == '.';
  }
  // A mesh name: "<host>.<any namespace>.svc.cluster.local".
  constexpr absl::string_view kCluster = "svc.cluster.local";
  if (absl::EndsWith(kCluster, domain) &&
      (domain.size() == kCluster.size() || kCluster[kCluster.size() - domain.size() - 1] == '.')) {
    return true;
  }
  const absl::string_view ns = absl::StripSuffix(domain, ".svc.cluster.local");
  return ns.size() < domain.size() && !ns.empty() && ns.find('.') == absl::string_view::npos;
}

std::string Origin::ToString() const {
  return absl::StrCat(file, ":", line, " (", kind, " ", namespace_name, "/", name, ")");
}

bool StringMatch::Matches(absl::string_view text) const {
  switch (kind) {
    case Kind::kExact:
      return text == value;
    case Kind::kPrefix:
      return text.substr(0, value.size()) == value;
    case Kind::kRegex:
      return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *regex);
  }
  return false;
}

namespace {

// The most specific wildcard of `wildcards` (longest first) that covers
// `host`; npos when none does. A host that is a wildcard itself matches
// only exactly.
size_t Covering(const std::vector<std::pair<std::string, size_t>>& wildcards,
                absl::string_view host) {
  if (IsWildcard(host)) return std::string::npos;
  for (const auto& [pattern, index] : wildcards) {
    if (WildcardCovers(pattern, host)) return index;
  }
  return std::string::npos;
}

// Longest pattern first; equal lengths keep their order.
void SortBySpecificity(std::vector<std::pair<std::string, size_t>>& wildcards) {
  std::stable_sort(wildcards.begin(), wildcards.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

}  // namespace

const VirtualService* Snapshot::VirtualServiceFor(absl::string_view host) const {
  auto it = virtual_service_by_host_.find(host);
  if (it != virtual_service_by_host_.end()) return &virtual_services[it->second];
  const size_t wildcard = Covering(wildcard_virtual_services_, host);
  return wildcard == std::string::npos ? nullptr : &virtual_services[wildcard];
}

const RouteTable* Snapshot::RoutesFor(absl::string_view host) const {
  const VirtualService* vs = VirtualServiceFor(host);
  return vs == nullptr ? nullptr : &route_tables_[vs - virtual_services.data()];
}

const HostClusters* Snapshot::ClustersFor(absl::string_view host) const {
  const DestinationRule* rule = DestinationRuleFor(host);
  return rule == nullptr ? nullptr : &host_clusters_[rule - merged_rules_.data()];
}

const DestinationRule* Snapshot::DestinationRuleFor(absl::string_view host) const {
  auto it = destination_rule_by_host_.find(host);
  if (it != destination_rule_by_host_.end()) return &merged_rules_[it->second];
  const size_t wildcard = Covering(wildcard_rules_, host);
  return wildcard == std::string::npos ? nullptr : &merged_rules_[wildcard];
}

std::vector<const ServiceEntry*> Snapshot::ServiceEntriesFor(absl::string_view host) const {
  std::vector<const ServiceEntry*> entries;
  if (auto it = service_entries_by_host_.find(host); it != service_entries_by_host_.end()) {
    for (size_t i : it->second) entries.push_back(&service_entries[i]);
  }
  return entries;
}

std::vector<const Workload*> Snapshot::WorkloadEntriesFor(absl::string_view app) const {
  std::vector<const Workload*> entries;
  if (auto it = workload_entries_by_app_.find(app); it != workload_entries_by_app_.end()) {
    for (size_t i : it->second) entries.push_back(&workload_entries[i]);
  }
  return entries;
}

void Snapshot::BuildIndexes() {
  route_tables_.clear();
  for (const VirtualService& vs : virtual_services) route_tables_.push_back(RouteTableFrom(vs));
  virtual_service_by_host_.clear();
  wildcard_virtual_services_.clear();
  destination_rule_by_host_.clear();
  wildcard_rules_.clear();
  service_entries_by_host_.clear();
  workload_entries_by_app_.clear();
  std::vector<const Origin*> origins;
  for (const VirtualService& vs : virtual_services) origins.push_back(&vs.origin);
  for (size_t i : OldestFirst(origins)) {
    if (!virtual_services[i].routes_mesh) continue;  // never a MeshUp call's
    for (const std::string& host : virtual_services[i].hosts) {
      // The oldest one wins; a wildcard is also found by the hosts it covers.
      if (virtual_service_by_host_.emplace(host, i).second && IsWildcard(host)) {
        wildcard_virtual_services_.emplace_back(host, i);
      }
    }
  }
  SortBySpecificity(wildcard_virtual_services_);
  merged_rules_ = MergeDestinationRules(destination_rules, warnings);
  host_clusters_.clear();
  for (const DestinationRule& rule : merged_rules_) host_clusters_.push_back(ClustersFrom(rule));
  for (size_t i = 0; i < merged_rules_.size(); ++i) {
    destination_rule_by_host_.emplace(merged_rules_[i].host, i);
    if (IsWildcard(merged_rules_[i].host)) wildcard_rules_.emplace_back(merged_rules_[i].host, i);
  }
  SortBySpecificity(wildcard_rules_);
  for (size_t i = 0; i < service_entries.size(); ++i) {
    for (const std::string& host : service_entries[i].hosts) {
      std::vector<size_t>& entries = service_entries_by_host_[host];
      if (entries.empty() || entries.back() != i) entries.push_back(i);  // a host listed twice
    }
  }
  for (size_t i = 0; i < workload_entries.size(); ++i) {
    if (auto app = workload_entries[i].labels.find("app"); app != workload_entries[i].labels.end()) {
      workload_entries_by_app_[app->second].push_back(i);
    }
  }
}

}  // namespace meshup::config
