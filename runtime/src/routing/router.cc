#include "routing/router.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "routing/header_rules.h"
#include "routing/route_matcher.h"

namespace meshup::internal {
namespace {

// Istio's retryOn when a VirtualService sets retries without it.
constexpr absl::StatusCode kDefaultRouteRetryOn[] = {absl::StatusCode::kUnavailable,
                                                     absl::StatusCode::kCancelled};

}  // namespace

Router::Router(config::ConfigSource& config, ClusterManager& clusters, MeshIdentity identity,
               Random& random)
    : config_(config), clusters_(clusters), identity_(std::move(identity)), random_(random) {}

void PlanDeadlineAndRetries(const MethodInfo& method, const CallOptions& options,
                            const config::HttpRoute* route, absl::Time now, CallPlan& plan) {
  absl::Duration timeout = method.timeout;
  if (route != nullptr && route->timeout) {
    timeout = *route->timeout == absl::ZeroDuration() ? absl::InfiniteDuration() : *route->timeout;
  }
  timeout = std::min(timeout, options.timeout);
  plan.deadline = timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : now + timeout;

  // Istio counts retries; the plan counts tries.
  if (route != nullptr && route->retries) {
    plan.tries = route->retries->attempts + 1;
    plan.per_try_timeout = route->retries->per_try_timeout;
    plan.retry_on.assign(route->retries->retry_on.begin(), route->retries->retry_on.end());
    if (plan.retry_on.empty()) {
      plan.retry_on.assign(std::begin(kDefaultRouteRetryOn), std::end(kDefaultRouteRetryOn));
    }
  } else {
    plan.tries = IdlTries(method);
    plan.per_try_timeout = method.retry.per_try_timeout;
    plan.retry_on.assign(method.retry.retry_on.begin(), method.retry.retry_on.end());
    if (plan.retry_on.empty()) plan.retry_on.push_back(absl::StatusCode::kUnavailable);
  }
}

absl::Time AttemptDeadline(absl::Time now, absl::Time call_deadline, const RetryPolicy& retry) {
  if (retry.per_try_timeout <= absl::ZeroDuration()) return call_deadline;
  return std::min(call_deadline, now + retry.per_try_timeout);
}

bool PerTryTimedOut(const absl::Status& status, absl::Time now, absl::Time attempt_deadline,
                    absl::Time call_deadline) {
  return status.code() == absl::StatusCode::kDeadlineExceeded && attempt_deadline < call_deadline &&
         now >= attempt_deadline - kDeadlineSlack;
}

bool ShouldRetry(int tries, absl::Span<const absl::StatusCode> retry_on, bool may_resend,
                 int attempt, const absl::Status& status, bool per_try_timed_out) {
  if (status.ok() || !may_resend || attempt >= tries) return false;
  if (per_try_timed_out) return true;
  return std::find(retry_on.begin(), retry_on.end(), status.code()) != retry_on.end();
}

bool RefusedByServer(const absl::Status& status) {
  // gRPC's synchronous server answers so when its resource quota has no
  // thread left, before it reads the request.
  return status.code() == absl::StatusCode::kResourceExhausted &&
         status.message() == "Server Threadpool Exhausted";
}

absl::Duration RetryBackoff(int next_attempt) {
  absl::Duration backoff = absl::Milliseconds(25);
  for (int i = 2; i < next_attempt && backoff < absl::Milliseconds(250); ++i) backoff *= 2;
  return std::min(backoff, absl::Milliseconds(250));
}

CallPlan Router::Plan(const std::shared_ptr<Cluster>& cluster, const MethodInfo& method,
                      const CallOptions& options, absl::Time now) {
  CallPlan plan;
  plan.snapshot = config_.Current();
  const config::HttpRoute* route = nullptr;
  const std::string* destination_host = &cluster->host();
  const config::RouteTable* routes =
      cluster->fixed_address() ? nullptr : plan.snapshot->RoutesFor(cluster->host());
  if (routes != nullptr) {
    RequestAttributes request;
    request.path = method.path;
    request.headers = options.headers;
    request.source_labels = &identity_.labels;
    request.source_namespace = identity_.namespace_name;
    route = MatchRoute(*routes, request);
    if (route != nullptr) {
      const config::WeightedDestination& picked = PickWeighted(*route, random_);
      destination_host = &picked.destination.host;
      plan.subset = picked.destination.subset;
      plan.request_headers = RouteRequestHeaders(*route, picked, options.headers);
    }
  }
  plan.cluster =
      *destination_host == cluster->host() ? cluster : clusters_.Get(*destination_host);
  PlanDeadlineAndRetries(method, options, route, now, plan);

  if (route != nullptr) {
    if (route->delay && random_.Percent() < route->delay->percentage) {
      plan.delay = route->delay->fixed_delay;
    }
    if (route->abort && random_.Percent() < route->abort->percentage) {
      plan.abort = absl::Status(route->abort->code, "fault filter abort");
      plan.abort_http_status = route->abort->http_status;
    }
    if (route->mirror && random_.Percent() < route->mirror_percentage) {
      plan.mirror_cluster = clusters_.Get(route->mirror->host);
      plan.mirror_subset = route->mirror->subset;
    }
  }

  std::shared_ptr<const ClusterState> state = plan.cluster->state();
  if (const ClusterState::SubsetState* subset = state->Find(plan.subset);
      subset != nullptr && !subset->hash_header.empty()) {
    for (const auto& [name, value] : options.headers) {
      if (name == subset->hash_header) {
        plan.hash_key = value;
        plan.has_hash_key = true;
        break;
      }
    }
  }
  return plan;
}

absl::StatusOr<Attempt> PickEndpoint(ClusterManager& clusters, const CallPlan& plan,
                                     absl::Span<Endpoint* const> tried, absl::Time now) {
  PickContext context;
  context.now = now;
  context.hash_key = plan.hash_key;
  context.has_hash_key = plan.has_hash_key;
  context.exclude = tried;
  return clusters.Pick(*plan.cluster, plan.subset, context);
}

}  // namespace meshup::internal
