// Matching a request against a host's route table, as an Istio sidecar
// matches a VirtualService: HTTP routes are tried in order and the first whose match list has an entry
// that holds wins (a route without matches matches everything); then one of
// its weighted destinations is drawn.
#ifndef MESHUP_SRC_ROUTING_ROUTE_MATCHER_H_
#define MESHUP_SRC_ROUTING_ROUTE_MATCHER_H_

#include <map>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "config/model.h"
#include "config/route_table.h"
#include "util/clock.h"

namespace meshup::internal {

// What a route can match on. Header names are lowercase.
struct RequestAttributes {
  absl::string_view path;  // "/pkg.Svc/Method"
  absl::Span<const std::pair<std::string, std::string>> headers;
  // The calling workload's labels and namespace (for sourceLabels and
  // sourceNamespace matches); may be null / empty.
  const std::map<std::string, std::string>* source_labels = nullptr;
  absl::string_view source_namespace;

  // The first value of header `name`, or nullptr.
  const std::string* FindHeader(absl::string_view name) const;
};

// Whether every condition of `match` holds for `request`.
bool Matches(const config::RouteMatch& match, const RequestAttributes& request);

// The first route of `table` that matches `request`, or nullptr when none
// does (the caller then routes to the host itself, as Istio does). With the
// table's index built, only the routes that can match the path are tried:
// the cost does not grow with the number of exact-URI routes.
const config::HttpRoute* MatchRoute(const config::RouteTable& table,
                                    const RequestAttributes& request);

// Draws one of `route`'s destinations with probability weight / (the sum of
// the weights): a VirtualService's add up to 100, Gateway API's backendRef
// weights are shares of any sum. `route` has at least one destination; when
// every weight is 0 the first is returned (a translation that means "no
// backend" must say so in the route instead).
const config::WeightedDestination& PickWeighted(const config::HttpRoute& route, Random& random);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ROUTING_ROUTE_MATCHER_H_
