// The routing model: the routes of one host, in the order routing/ tries
// them. Each routing dialect of the configuration translates into it
// (VirtualService today, Gateway API routes next), so the router reads one
// type whatever the configuration was written in. The snapshot builds one
// table per routing document and finds a host's (Snapshot::RoutesFor()).
#ifndef MESHUP_SRC_CONFIG_ROUTE_TABLE_H_
#define MESHUP_SRC_CONFIG_ROUTE_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "config/model.h"

namespace meshup::config {

// Which routes of a table can match a given path, so that a call tries
// those rather than every route. Derived from `routes` by IndexRoutes().
struct RouteIndex {
  bool built = false;  // false: match by trying every route in order
  // An exact, case-sensitive URI -> the routes (indices into routes,
  // ascending) whose every match entry is such a URI and one of them is it.
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_exact_uri;
  // Every other route (no match list, or an entry on a prefix, a regex, a
  // case-insensitive URI or no URI): it may match any path. Ascending.
  std::vector<uint32_t> any_path;
};

// The routes are the snapshot's (a VirtualService's `http`, or routes
// translated from another dialect), not copied: a table is valid while the
// objects that hold them are, as every table a snapshot hands out is.
struct RouteTable {
  Origin origin;  // the document the routes were declared in
  absl::Span<const HttpRoute> routes;
  RouteIndex index;  // derived from routes
};

// The routes of `vs`, indexed; `vs` must outlive the table.
RouteTable RouteTableFrom(const VirtualService& vs);

// Fills table.index from table.routes.
void IndexRoutes(RouteTable& table);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_ROUTE_TABLE_H_
