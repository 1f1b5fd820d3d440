// The routing of one process's calls: for a call to a host, the Router
// decides what an Istio sidecar would — which route of the host's
// VirtualService applies, which destination cluster and subset, which
// faults, mirror, timeout and retries — into a CallPlan, and how each
// attempt applies that plan (its deadline, whether to retry, the back-off).
// The cluster manager (upstream/) picks each attempt's endpoint in the
// plan's cluster.
#ifndef MESHUP_SRC_ROUTING_ROUTER_H_
#define MESHUP_SRC_ROUTING_ROUTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "config/config_source.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"
#include "upstream/cluster.h"
#include "upstream/cluster_manager.h"
#include "util/clock.h"

namespace meshup::internal {

// The calling workload, for sourceLabels matches.
struct MeshIdentity {
  std::string service;
  std::string namespace_name = "default";
  std::map<std::string, std::string> labels;
};

// The tries of a call whose route and IDL declare no retries: Istio's
// default of 2 retries. A retry still needs an idempotent method, or an
// attempt whose request surely never left (a connection that failed), so a
// crashed endpoint costs such calls nothing while others are up.
constexpr int kDefaultTries = 3;

// The tries the IDL's retry policy gives `method`.
inline int IdlTries(const MethodInfo& method) {
  return method.retry.attempts > 0 ? method.retry.attempts : kDefaultTries;
}

// A call's decisions, made once at its start.
struct CallPlan {
  std::shared_ptr<const config::Snapshot> snapshot;  // keeps the route alive
  std::shared_ptr<Cluster> cluster;                  // the destination
  std::string subset;
  absl::Time deadline = absl::InfiniteFuture();
  int tries = 1;
  absl::Duration per_try_timeout = absl::ZeroDuration();
  absl::InlinedVector<absl::StatusCode, 4> retry_on;  // no allocation per call
  absl::Duration delay = absl::ZeroDuration();  // injected fault
  std::optional<absl::Status> abort;            // injected fault
  int abort_http_status = 0;                    // its httpStatus, when given so
  std::shared_ptr<Cluster> mirror_cluster;      // set when this call is mirrored
  std::string mirror_subset;
  std::string hash_key;
  bool has_hash_key = false;
  // The request headers the route sends in place of the caller's: set only
  // when its VirtualService has request header operations (header_rules.h).
  std::optional<std::vector<std::pair<std::string, std::string>>> request_headers;

  // The headers every attempt (and the mirror) sends.
  const std::vector<std::pair<std::string, std::string>>& RequestHeaders(
      const CallOptions& options) const {
    return request_headers ? *request_headers : options.headers;
  }
};

// The deadline and retries of a call of `method` started at `now`, into
// `plan`: a route's timeout and retries, where it sets them, replace the
// IDL's; the caller's timeout can only shorten the deadline. `route` null:
// the IDL's alone (a static address, or no route applies). The one place
// where a call's deadline and retry plan are decided.
void PlanDeadlineAndRetries(const MethodInfo& method, const CallOptions& options,
                            const config::HttpRoute* route, absl::Time now, CallPlan& plan);

// Applying the plan to each attempt: pure functions of their inputs (the
// current time is passed in), so that tests need no clock.

// The deadline of one attempt started at `now`: the call's deadline, or
// earlier when the retry policy sets a per-try timeout.
absl::Time AttemptDeadline(absl::Time now, absl::Time call_deadline, const RetryPolicy& retry);

// How much earlier than `attempt_deadline` an attempt may end and still
// count as having run out of its per-try timeout. gRPC keeps the deadline
// it is given on its own clock, in whole milliseconds, and ends the attempt
// up to a fraction of a millisecond before absl::Now() reaches it (seen: up
// to 0.3 ms, in about 1 of 80 attempts).
inline constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(5);

// Whether an attempt that ended at `now` with `status` ran out of its
// per-try timeout: DEADLINE_EXCEEDED, on an attempt whose deadline comes
// before the call's, at its deadline or within kDeadlineSlack before it.
bool PerTryTimedOut(const absl::Status& status, absl::Time now, absl::Time attempt_deadline,
                    absl::Time call_deadline);

// Whether a call whose attempt number `attempt` (1 for the first) ended with
// `status` is tried again, under a call plan's retries: `tries` counts every
// attempt, `retry_on` lists the retryable codes (the plan's, which
// PlanDeadlineAndRetries() never leaves empty), and `may_resend` is whether
// sending the request again is safe (the method is idempotent, or the
// failed attempt surely did not send it). An attempt
// that ran out of its per-try timeout (`per_try_timed_out`) with time left
// on the call's deadline is retried whatever its code.
bool ShouldRetry(int tries, absl::Span<const absl::StatusCode> retry_on, bool may_resend,
                 int attempt, const absl::Status& status, bool per_try_timed_out);

// Whether a server refused the call before any handler ran (a MeshUp
// server at ServerOptions::max_handler_threads): safe to send elsewhere.
bool RefusedByServer(const absl::Status& status);

// The pause before attempt number `next_attempt` (2 for the first retry):
// 25 ms doubled each retry, at most 250 ms, as Envoy's default retry back-off.
absl::Duration RetryBackoff(int next_attempt);

class Router {
 public:
  // `config` and `clusters` must outlive the router.
  Router(config::ConfigSource& config, ClusterManager& clusters, MeshIdentity identity,
         Random& random);

  // Decides a call of `method` to `cluster` (from ClusterManager::Get() or
  // ForAddress(), which a channel keeps, so the common call takes no lock
  // here) at `now`.
  CallPlan Plan(const std::shared_ptr<Cluster>& cluster, const MethodInfo& method,
                const CallOptions& options, absl::Time now);

 private:
  config::ConfigSource& config_;
  ClusterManager& clusters_;
  const MeshIdentity identity_;
  Random& random_;
};

// The endpoint of an attempt of `plan`, in its cluster and subset, never
// one in `tried` when another exists.
absl::StatusOr<Attempt> PickEndpoint(ClusterManager& clusters, const CallPlan& plan,
                                     absl::Span<Endpoint* const> tried, absl::Time now);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ROUTING_ROUTER_H_
