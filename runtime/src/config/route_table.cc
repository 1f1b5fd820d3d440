#include "config/route_table.h"

#include <algorithm>
#include <utility>

namespace meshup::config {

RouteTable RouteTableFrom(const VirtualService& vs) {
  RouteTable table;
  table.origin = vs.origin;
  table.routes = vs.http;  // a view: the snapshot keeps vs
  IndexRoutes(table);
  return table;
}

void IndexRoutes(RouteTable& table) {
  RouteIndex index;
  for (uint32_t i = 0; i < table.routes.size(); ++i) {
    const std::vector<RouteMatch>& matches = table.routes[i].matches;
    const bool exact_only =
        !matches.empty() && std::all_of(matches.begin(), matches.end(), [](const RouteMatch& m) {
          return m.uri && m.uri->kind == StringMatch::Kind::kExact && !m.ignore_uri_case;
        });
    if (!exact_only) {
      index.any_path.push_back(i);
      continue;
    }
    for (const RouteMatch& match : matches) {
      std::vector<uint32_t>& routes = index.by_exact_uri[match.uri->value];
      if (routes.empty() || routes.back() != i) routes.push_back(i);  // a URI listed twice
    }
  }
  index.built = true;
  table.index = std::move(index);
}

}  // namespace meshup::config
