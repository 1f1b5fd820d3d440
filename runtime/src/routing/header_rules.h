// A VirtualService's request header operations, applied as an Istio sidecar
// (Envoy) applies them to the request it forwards.
//
// Each level of operations removes first, then sets (replacing every value
// of the name) and adds (one more value), in that order; a set or add with
// an empty value does nothing. The levels: when the route has one
// destination (of weight above 0), Istio folds the destination's
// operations into the route's, after them; with several, the chosen
// destination's level applies first and the route's after it (so the
// route's wins).
#ifndef MESHUP_SRC_ROUTING_HEADER_RULES_H_
#define MESHUP_SRC_ROUTING_HEADER_RULES_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "config/model.h"

namespace meshup::internal {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The request headers of a call that `route` sends to `destination` (one of
// its own), from the caller's `headers`; nullopt when neither has request
// operations (the caller's are sent as they are).
std::optional<Headers> RouteRequestHeaders(
    const config::HttpRoute& route, const config::WeightedDestination& destination,
    absl::Span<const std::pair<std::string, std::string>> headers);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ROUTING_HEADER_RULES_H_
