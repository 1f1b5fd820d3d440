// How several documents about one host combine, as Istio combines them.
//
// Istio orders documents oldest first (metadata.creationTimestamp, ties by
// name then namespace); MeshUp does the same, and documents without a
// timestamp come after those with one, in the order read. Then:
//  - a host's VirtualService is the oldest that lists it (the others are
//    ignored for it);
//  - a host's DestinationRules merge into one: the subsets of all of them,
//    a subset name defined again keeping its first (oldest) definition, and
//    the top-level trafficPolicy of the oldest rule that has one.
#ifndef MESHUP_SRC_CONFIG_MERGE_H_
#define MESHUP_SRC_CONFIG_MERGE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "config/model.h"

namespace meshup::config {

// The indices 0..origins.size()-1, oldest first (see OlderThan in model.h);
// equally old ones keep their order.
std::vector<size_t> OldestFirst(const std::vector<const Origin*>& origins);

// One rule per host of `rules`, merged as above, in the order of each
// host's oldest rule. A merged rule (of two or more) lists its sources in
// merged_from; a host's only rule is returned as it is. A subset defined
// again, and a trafficPolicy that loses to an older one, are reported in
// `warnings`.
std::vector<DestinationRule> MergeDestinationRules(const std::vector<DestinationRule>& rules,
                                                   std::vector<std::string>& warnings);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_MERGE_H_
