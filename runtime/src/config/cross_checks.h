// The checks of a configuration that span its objects, once every file is
// read: no kind, namespace and name defined twice (an error). Then, after
// building the snapshot's indexes, warnings that Istio's meaning applies:
// for each VirtualService that an older one overrides for a host (it is
// ignored for that host), and for each route to a subset that its host's
// DestinationRules do not define (calls routed there fail with
// UNAVAILABLE; these warnings also go to snapshot.undefined_subsets).
#ifndef MESHUP_SRC_CONFIG_CROSS_CHECKS_H_
#define MESHUP_SRC_CONFIG_CROSS_CHECKS_H_

#include "absl/status/status.h"
#include "config/snapshot.h"

namespace meshup::config {

absl::Status CheckAcrossObjects(Snapshot& snapshot);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_CROSS_CHECKS_H_
