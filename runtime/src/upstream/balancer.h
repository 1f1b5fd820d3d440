// Load balancers: pick one endpoint of a set for a request.
//
// A Balancer is made for one endpoint set (one service, or one subset) and a
// policy from the DestinationRule. Pick() must be cheap and lock-free on the
// common path, and callable from many threads at once. It never returns an
// endpoint in `exclude` (the ones a retry already tried) or an ejected one,
// unless no other is left: then it returns an ejected endpoint rather than
// none (panic mode, as Envoy), but still never an excluded one when another
// exists. It returns nullptr only for an empty set; when every endpoint is
// excluded it returns one of them (a retry on a single endpoint reuses it).
//
// The policies:
// - LEAST_REQUEST (the default): power of two choices; of two distinct random
//   eligible endpoints, the one with fewer requests in flight.
// - ROUND_ROBIN: an atomic counter over the set; an endpoint that may not be
//   picked passes its turn to the next one.
// - RANDOM: uniform over the eligible endpoints.
// - CONSISTENT_HASH: a ring of points (100 per endpoint, fewer above 10,000
//   endpoints, so the ring stays under a million points) at a stable hash of
//   "address#i"; a key maps to the first point at or after its own hash, so it
//   depends only on the set's addresses, and removing one endpoint of N moves
//   only its keys (about 1/N). A key whose endpoint may not be picked moves on
//   along the ring. Without a key, picks are random.
// The sampling policies draw random endpoints and re-draw a few times past
// unusable ones; only when that fails do they scan the set.
#ifndef MESHUP_SRC_UPSTREAM_BALANCER_H_
#define MESHUP_SRC_UPSTREAM_BALANCER_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upstream/endpoint.h"
#include "config/model.h"
#include "util/clock.h"

namespace meshup::internal {

// What a balancer may look at in a request.
struct PickContext {
  absl::Time now;
  // For consistent hashing: the value of the policy's header, if present.
  absl::string_view hash_key;
  bool has_hash_key = false;
  // Endpoints already tried by this call.
  absl::Span<Endpoint* const> exclude;
};

class Balancer {
 public:
  virtual ~Balancer() = default;
  virtual Endpoint* Pick(const PickContext& context) = 0;
};

// Makes the balancer of `policy` over `endpoints`, drawing chance from `random`
// (which must outlive it).
std::unique_ptr<Balancer> NewBalancer(const config::LoadBalancer& policy, EndpointList endpoints,
                                      Random& random);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_BALANCER_H_
