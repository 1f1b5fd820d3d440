#include "routing/header_rules.h"

#include <algorithm>
#include <tuple>

namespace meshup::internal {
namespace {

void Remove(Headers& headers, const std::string& name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&name](const auto& header) { return header.first == name; }),
                headers.end());
}

// One level: its removals, then the additions in order (Envoy's order).
struct Level {
  std::vector<const std::string*> remove;
  // (name, value, replace): set replaces, add appends.
  std::vector<std::tuple<const std::string*, const std::string*, bool>> add;

  void Include(const config::HeaderOperations& ops) {
    for (const std::string& name : ops.remove) remove.push_back(&name);
    for (const auto& [name, value] : ops.set) add.emplace_back(&name, &value, true);
    for (const auto& [name, value] : ops.add) add.emplace_back(&name, &value, false);
  }

  void Apply(Headers& headers) const {
    for (const std::string* name : remove) Remove(headers, *name);
    for (const auto& [name, value, replace] : add) {
      if (value->empty()) continue;  // Envoy drops a header with an empty value
      if (replace) Remove(headers, *name);
      headers.emplace_back(*name, *value);
    }
  }
};

const config::HeaderOperations* RequestOps(const std::optional<config::HeaderRules>& rules) {
  return rules && !rules->request.empty() ? &rules->request : nullptr;
}

}  // namespace

std::optional<Headers> RouteRequestHeaders(
    const config::HttpRoute& route, const config::WeightedDestination& destination,
    absl::Span<const std::pair<std::string, std::string>> headers) {
  const config::HeaderOperations* route_ops = RequestOps(route.headers);
  const config::HeaderOperations* destination_ops = RequestOps(destination.headers);
  if (route_ops == nullptr && destination_ops == nullptr) return std::nullopt;
  Headers out(headers.begin(), headers.end());
  const bool single = std::count_if(route.route.begin(), route.route.end(),
                                    [](const auto& d) { return d.weight > 0; }) <= 1;
  if (single) {
    Level level;
    if (route_ops != nullptr) level.Include(*route_ops);
    if (destination_ops != nullptr) level.Include(*destination_ops);
    level.Apply(out);
  } else {
    for (const config::HeaderOperations* ops : {destination_ops, route_ops}) {
      if (ops == nullptr) continue;
      Level level;
      level.Include(*ops);
      level.Apply(out);
    }
  }
  return out;
}

}  // namespace meshup::internal
