#include "call/client_call_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "call/attempt_policy.h"
#include "names.h"

namespace meshup::internal {

ClientCallState::ClientCallState(Channel& channel, const MethodInfo& method,
                                 const CallOptions& options)
    : channel_(ChannelAccess::Get(channel)), method_(method), options_(options) {
  const absl::Time now = absl::Now();
  if (channel_.router != nullptr) {
    plan_ = channel_.router->Plan(channel_.host, method, options, now);
  } else {
    plan_.deadline = CallDeadline(now, method, options);
    plan_.tries = std::max(1, method.retry.attempts);
    plan_.per_try_timeout = method.retry.per_try_timeout;
    plan_.retry_on.assign(method.retry.retry_on.begin(), method.retry.retry_on.end());
  }
}

ClientCallState::~ClientCallState() {
  if (admitted_ && plan_.host != nullptr) plan_.host->in_flight().fetch_sub(1);
}

absl::Status ClientCallState::Admit() {
  for (const auto& [name, value] : options_.headers) {
    absl::Status valid = ValidateHeader(name, value);
    if (!valid.ok()) return valid;
  }
  if (plan_.abort) return *plan_.abort;
  if (absl::Now() >= plan_.deadline) {
    return absl::DeadlineExceededError(absl::StrCat("deadline of ", method_.path, " exceeded"));
  }
  if (plan_.host != nullptr) {
    const int max_requests = plan_.host->state()->max_requests;
    const int in_flight = plan_.host->in_flight().fetch_add(1);
    if (max_requests > 0 && in_flight >= max_requests) {
      plan_.host->in_flight().fetch_sub(1);
      return absl::ResourceExhaustedError(
          absl::StrCat("connection pool of '", plan_.host->host(), "' is full: ", max_requests,
                       " requests in flight (DestinationRule trafficPolicy.connectionPool.http."
                       "http2MaxRequests)"));
    }
    admitted_ = true;
    plan_.host->budget().RecordCall();
  }
  return absl::OkStatus();
}

absl::StatusOr<grpc::Channel*> ClientCallState::StartAttempt() {
  ++attempt_number_;
  const absl::Time now = absl::Now();
  attempt_ = Attempt();
  if (channel_.router != nullptr) {
    absl::StatusOr<Attempt> picked =
        channel_.router->Pick(plan_, tried_, channel_.router->clock().Now());
    if (!picked.ok()) return picked.status();
    attempt_ = *std::move(picked);
  } else {
    attempt_.endpoint = channel_.endpoint.get();
  }
  if (attempt_.endpoint->channel() == nullptr) {
    absl::Status unusable = attempt_.endpoint->unusable();
    attempt_ = Attempt();
    return unusable;
  }
  attempt_.endpoint->AddInFlight(1);
  context_ = std::make_unique<grpc::ClientContext>();
  attempt_deadline_ =
      AttemptDeadline(now, plan_.deadline, RetryPolicy{0, plan_.per_try_timeout, {}});
  if (attempt_deadline_ != absl::InfiniteFuture()) {
    context_->set_deadline(absl::ToChronoTime(attempt_deadline_));
  }
  for (const auto& [name, value] : options_.headers) context_->AddMetadata(name, value);
  state_before_attempt_ = attempt_.endpoint->channel()->GetState(/*try_to_connect=*/false);
  return attempt_.endpoint->channel();
}

std::optional<absl::Duration> ClientCallState::EndAttempt(const absl::Status& status) {
  bool not_sent = true;
  if (attempt_.endpoint != nullptr) {
    attempt_.endpoint->AddInFlight(-1);
    if (channel_.router != nullptr) channel_.router->Report(attempt_, status.code());
    tried_.push_back(attempt_.endpoint);
    // An attempt whose connection never became ready sent nothing.
    not_sent = status.code() == absl::StatusCode::kUnavailable &&
               state_before_attempt_ != GRPC_CHANNEL_READY &&
               attempt_.endpoint->channel()->GetState(false) != GRPC_CHANNEL_READY;
  }
  if (status.ok()) return std::nullopt;
  const bool per_try_timed_out = status.code() == absl::StatusCode::kDeadlineExceeded &&
                                 attempt_deadline_ < plan_.deadline &&
                                 absl::Now() >= attempt_deadline_;
  if (!ShouldRetry(plan_.tries, plan_.retry_on, method_.idempotent || not_sent, attempt_number_,
                   status, per_try_timed_out)) {
    return std::nullopt;
  }
  if (plan_.host != nullptr && !plan_.host->budget().TryRetry()) return std::nullopt;
  const absl::Duration backoff = RetryBackoff(attempt_number_ + 1);
  if (absl::Now() + backoff >= plan_.deadline) return std::nullopt;
  return backoff;
}

}  // namespace meshup::internal
