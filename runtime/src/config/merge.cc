#include "config/merge.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace meshup::config {

bool OlderThan(const Origin& a, const Origin& b) {
  if (a.created.has_value() && b.created.has_value()) {
    if (*a.created != *b.created) return *a.created < *b.created;
    return std::tie(a.name, a.namespace_name) < std::tie(b.name, b.namespace_name);
  }
  return a.created.has_value() && !b.created.has_value();
}

std::vector<size_t> OldestFirst(const std::vector<const Origin*>& origins) {
  std::vector<size_t> order(origins.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&origins](size_t a, size_t b) { return OlderThan(*origins[a], *origins[b]); });
  return order;
}

namespace {

std::string Name(const Origin& origin) {
  return absl::StrCat("DestinationRule ", origin.namespace_name, "/", origin.name, " (",
                      origin.file, ":", origin.line, ")");
}

}  // namespace

std::vector<DestinationRule> MergeDestinationRules(const std::vector<DestinationRule>& rules,
                                                   std::vector<std::string>& warnings) {
  std::vector<const Origin*> origins;
  origins.reserve(rules.size());
  for (const DestinationRule& rule : rules) origins.push_back(&rule.origin);

  std::vector<DestinationRule> merged;
  std::map<std::string, size_t, std::less<>> by_host;  // host -> index in merged
  // The rule that gave each merged rule its trafficPolicy.
  std::vector<const Origin*> policy_from;
  for (size_t i : OldestFirst(origins)) {
    const DestinationRule& rule = rules[i];
    auto [it, first] = by_host.emplace(rule.host, merged.size());
    if (first) {
      merged.push_back(rule);
      policy_from.push_back(rule.traffic_policy ? &rule.origin : nullptr);
      continue;
    }
    DestinationRule& into = merged[it->second];
    if (into.merged_from.empty()) into.merged_from.push_back(into.origin);
    into.merged_from.push_back(rule.origin);
    for (const Subset& subset : rule.subsets) {
      if (const Subset* kept = into.FindSubset(subset.name); kept != nullptr) {
        warnings.push_back(absl::StrCat(
            rule.origin.file, ":", rule.origin.line, ": DestinationRule ",
            rule.origin.namespace_name, "/", rule.origin.name, ": subset '", subset.name,
            "' of host '", rule.host,
            "' is already defined by an older DestinationRule of the host; this definition is "
            "ignored, as Istio keeps the first"));
        continue;
      }
      into.subsets.push_back(subset);
    }
    if (!rule.traffic_policy) continue;
    if (!into.traffic_policy) {
      into.traffic_policy = rule.traffic_policy;
      policy_from[it->second] = &rule.origin;
    } else {
      warnings.push_back(absl::StrCat(rule.origin.file, ":", rule.origin.line, ": DestinationRule ",
                                      rule.origin.namespace_name, "/", rule.origin.name,
                                      ": the trafficPolicy of host '", rule.host,
                                      "' is that of the older ", Name(*policy_from[it->second]),
                                      "; this one's is ignored, as Istio keeps the oldest"));
    }
  }
  return merged;
}

}  // namespace meshup::config
