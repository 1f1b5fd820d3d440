#include "call/client_call_state.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "filters/client_filter.h"
#include "grpc_adapter/client_context.h"
#include "names.h"
#include "security/transport.h"

namespace meshup::internal {

namespace {

// Secure naming: whether a call of `method` may go to `endpoint`. An
// endpoint that discovery listed for the IDL's own service is reached over
// mTLS as the service account it registered; it must be the one the IDL
// declares for the service, or any workload that can write the registry
// could pose as the service. The IDL says nothing of other hosts (the same
// service deployed under another name). Endpoints of the configuration are the operator's, and
// plaintext ones prove no identity at all.
bool SecurelyNamed(const MethodInfo& method, const CallPlan& plan, const EndpointInfo& endpoint) {
  return !endpoint.discovered || method.service_account.empty() ||
         plan.cluster->host() != method.mesh_name ||
         endpoint.service_account == method.service_account ||
         ChooseTransport(endpoint, /*has_identity=*/true) != Transport::kMtls;
}

absl::Status NotSecurelyNamedError(const MethodInfo& method, const CallPlan& plan,
                                   const EndpointInfo& endpoint) {
  return absl::UnavailableError(absl::StrCat("no healthy upstream: '", plan.cluster->host(),
                                             "' has no endpoint running as its service "
                                             "account '",
                                             method.service_account,
                                             "' (the IDL's option (meshup.service)."
                                             "service_account); refused ",
                                             endpoint.address, ", registered as service account '",
                                             endpoint.service_account, "'"));
}

}  // namespace

ClientCallState::ClientCallState(Channel& channel, const MethodInfo& method,
                                 const CallOptions& options)
    : channel_(ChannelAccess::Get(channel)),
      method_(method),
      options_(&options),
      filters_(DefaultClientFilters()),
      start_(absl::Now()) {
  for (const ClientFilter* filter : filters_) {
    ++filters_started_;
    refused_at_start_ = filter->OnStart(*this);
    if (!refused_at_start_.ok()) return;
  }
  plan_ = channel_.router->Plan(channel_.cluster, method, *options_, start_);
}

ClientCallState::~ClientCallState() { Close(); }

CallOptions& ClientCallState::MutableOptions() {
  if (!own_options_) {
    own_options_ = *options_;
    options_ = &*own_options_;
  }
  return *own_options_;
}

void ClientCallState::CloseMeshSide() {
  if (mesh_side_closed_ || closed_) return;
  mesh_side_closed_ = true;
  if (admitted_) plan_.cluster->in_flight().fetch_sub(1);
  for (size_t i = filters_started_; i > 0; --i) {
    if (!filters_[i - 1]->OutlivesMesh()) filters_[i - 1]->OnEnd(*this);
  }
}

// The filters that need the Mesh end first, then the ones that outlive it
// (the user's interceptors, outermost, so the chain's reverse order holds).
void ClientCallState::Close() {
  if (closed_) return;
  CloseMeshSide();
  closed_ = true;
  for (size_t i = filters_started_; i > 0; --i) {
    if (filters_[i - 1]->OutlivesMesh()) filters_[i - 1]->OnEnd(*this);
  }
}

absl::Duration ClientCallState::delay() const {
  absl::Duration delay = absl::ZeroDuration();
  if (!refused_at_start_.ok()) return delay;
  for (const ClientFilter* filter : filters_) delay += filter->Delay(*this);
  if (delay <= absl::ZeroDuration()) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), std::min(delay, plan_.deadline - absl::Now()));
}

absl::Status ClientCallState::Admit() {
  if (!refused_at_start_.ok()) {
    result_ = refused_at_start_;
    return refused_at_start_;
  }
  for (const auto& [name, value] : options_->headers) {
    absl::Status valid = ValidateHeader(name, value);
    if (!valid.ok()) return Refuse(std::move(valid));
  }
  for (const ClientFilter* filter : filters_) {
    absl::Status admitted = filter->OnAdmit(*this);
    if (!admitted.ok()) return Refuse(std::move(admitted));
  }
  if (absl::Now() >= plan_.deadline) {
    return Refuse(
        absl::DeadlineExceededError(absl::StrCat("deadline of ", method_.path, " exceeded")));
  }
  const int max_requests = plan_.cluster->state()->max_requests;
  const int in_flight = plan_.cluster->in_flight().fetch_add(1);
  if (max_requests > 0 && in_flight >= max_requests) {
    plan_.cluster->in_flight().fetch_sub(1);
    return Refuse(absl::ResourceExhaustedError(
        absl::StrCat("connection pool of '", plan_.cluster->host(), "' is full: ", max_requests,
                     " requests in flight (DestinationRule trafficPolicy.connectionPool.http."
                     "http2MaxRequests)")));
  }
  admitted_ = true;
  plan_.cluster->budget().RecordCall();
  return absl::OkStatus();
}

absl::Status ClientCallState::Refuse(absl::Status status) {
  result_ = status;
  answered_by_mesh_ = true;
  return status;
}

absl::StatusOr<grpc::Channel*> ClientCallState::StartAttempt() {
  ++attempt_number_;
  const absl::Time now = absl::Now();
  attempt_ = Attempt();
  const absl::Time pick_time = channel_.clusters->clock().Now();
  absl::StatusOr<Attempt> picked = PickEndpoint(*channel_.clusters, plan_, tried_, pick_time);
  if (!picked.ok()) return picked.status();
  if (!SecurelyNamed(method_, plan_, picked->endpoint->info())) {
    // Rare: pick again among the others; Pick() returns an excluded
    // endpoint only when nothing else is left.
    absl::InlinedVector<Endpoint*, 8> excluded(tried_.begin(), tried_.end());
    while (picked.ok() && !SecurelyNamed(method_, plan_, picked->endpoint->info()) &&
           !absl::c_linear_search(excluded, picked->endpoint)) {
      picked->endpoint->CountRefusedIdentity();
      excluded.push_back(picked->endpoint);
      picked = PickEndpoint(*channel_.clusters, plan_, excluded, pick_time);
    }
    if (!picked.ok()) return picked.status();
    if (!SecurelyNamed(method_, plan_, picked->endpoint->info())) {
      return NotSecurelyNamedError(method_, plan_, picked->endpoint->info());
    }
  }
  attempt_ = *std::move(picked);
  if (attempt_.endpoint->channel() == nullptr) {
    absl::Status unusable = attempt_.endpoint->unusable();
    attempt_ = Attempt();
    return unusable;
  }
  attempt_.endpoint->AddInFlight(1);
  context_ = NewClientContext();
  attempt_deadline_ =
      AttemptDeadline(now, plan_.deadline, RetryPolicy{0, plan_.per_try_timeout, {}});
  if (attempt_deadline_ != absl::InfiniteFuture()) {
    context_->set_deadline(absl::ToChronoTime(attempt_deadline_));
  }
  for (const auto& header : plan_.RequestHeaders(*options_)) {  // as the route changes them
    if (!absl::c_any_of(filters_, [&](const ClientFilter* filter) {
          return filter->Replaces(*this, header.first);
        })) {
      context_->AddMetadata(header.first, header.second);
    }
  }
  for (const ClientFilter* filter : filters_) filter->OnAttempt(*this, *context_);
  state_before_attempt_ = attempt_.endpoint->channel()->GetState(/*try_to_connect=*/false);
  return attempt_.endpoint->channel();
}

std::optional<absl::Duration> ClientCallState::EndAttempt(const absl::Status& status) {
  bool not_sent = true;
  if (attempt_.endpoint != nullptr) last_attempt_ = attempt_;
  std::optional<absl::Duration> backoff = NextAttempt(status, not_sent);
  if (!backoff) {
    result_ = status;
    // The mesh answered: a deadline it enforced, or a connection that
    // never carried the request.
    answered_by_mesh_ = status.code() == absl::StatusCode::kDeadlineExceeded ||
                        (status.code() == absl::StatusCode::kUnavailable && not_sent);
  }
  return backoff;
}

std::optional<absl::Duration> ClientCallState::NextAttempt(const absl::Status& status,
                                                           bool& not_sent) {
  if (attempt_.endpoint != nullptr) {
    attempt_.endpoint->AddInFlight(-1);
    channel_.clusters->Report(attempt_, status.code());
    tried_.push_back(attempt_.endpoint);
    // An attempt whose connection never became ready sent nothing.
    not_sent = status.code() == absl::StatusCode::kUnavailable &&
               state_before_attempt_ != GRPC_CHANNEL_READY &&
               attempt_.endpoint->channel()->GetState(false) != GRPC_CHANNEL_READY;
  }
  if (status.ok()) return std::nullopt;
  // A server at its thread limit refused the call before running any
  // handler: like HTTP/2's REFUSED_STREAM, it may go to another endpoint
  // whatever the method, where retries on UNAVAILABLE are allowed.
  const bool refused = RefusedByServer(status);
  if (refused) not_sent = true;
  const bool per_try_timed_out =
      PerTryTimedOut(status, absl::Now(), attempt_deadline_, plan_.deadline);
  if (!ShouldRetry(plan_.tries, plan_.retry_on, method_.idempotent || not_sent, attempt_number_,
                   refused ? absl::UnavailableError(status.message()) : status,
                   per_try_timed_out)) {
    return std::nullopt;
  }
  if (!plan_.cluster->budget().TryRetry()) return std::nullopt;
  const absl::Duration backoff = RetryBackoff(attempt_number_ + 1);
  if (absl::Now() + backoff >= plan_.deadline) return std::nullopt;
  return backoff;
}

}  // namespace meshup::internal
