#include "call/client_call_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "call/attempt_policy.h"
#include "call/grpc_handover.h"
#include "names.h"
#include "security/transport.h"

namespace meshup::internal {

namespace {

// The destination's labels as the client knows them: from discovery.
RequestLabels SourceLabels(const Telemetry& telemetry, const Channel::Impl& channel,
                           const CallPlan& plan, const RoutedEndpoint& endpoint) {
  RequestLabels labels;
  labels.reporter = RequestLabels::Reporter::kSource;
  labels.source = telemetry.self();
  const EndpointInfo& info = endpoint.info();
  auto label = [&info](const char* name) {
    auto it = info.labels.find(name);
    return it == info.labels.end() ? std::string() : it->second;
  };
  labels.destination.app = label("app");
  labels.destination.version = label("version");
  if (!labels.destination.app.empty()) {
    labels.destination.workload = WorkloadName(labels.destination.app, labels.destination.version);
  }
  labels.destination.namespace_name = info.service_account.empty() ? "" : info.namespace_name;
  labels.mutual_tls = !telemetry.self().principal.empty() &&
                      ChooseTransport(info, /*has_identity=*/true) == Transport::kMtls;
  if (!info.service_account.empty() && labels.mutual_tls) {
    labels.destination.principal = absl::StrCat("spiffe://", telemetry.trust_domain(), "/ns/",
                                                info.namespace_name, "/sa/", info.service_account);
  }
  if (plan.host != nullptr) {
    labels.destination_service_name = plan.host->host();
    labels.destination_service_namespace = channel.namespace_name;
    labels.destination_service =
        absl::StrCat(plan.host->host(), ".", channel.namespace_name, ".svc.cluster.local");
  } else {
    labels.destination_service = channel.target;
    labels.destination_service_name = channel.target;
  }
  return labels;
}

}  // namespace

ClientCallState::ClientCallState(Channel& channel, const MethodInfo& method,
                                 const CallOptions& options)
    : channel_(ChannelAccess::Get(channel)),
      method_(method),
      options_(options),
      start_(absl::Now()) {
  const absl::Time now = start_;
  if (channel_.telemetry != nullptr) {
    // The parent: a traceparent the caller set by hand, else the call the
    // current thread is serving.
    std::optional<TraceContext> explicit_parent;
    for (const auto& [name, value] : options_.headers) {
      if (name == "traceparent") explicit_parent = ParseTraceparent(value);
    }
    const TraceContext* parent = explicit_parent ? &*explicit_parent : CurrentTraceContext();
    if (parent != nullptr) parent_span_ = parent->span_id;
    span_ = channel_.telemetry->NewSpan(parent);
  }
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
  if (channel_.telemetry != nullptr) Report();
}

void ClientCallState::Report() {
  Telemetry& telemetry = *channel_.telemetry;
  // (Not value_or: it would build the error's message on every call.)
  const absl::Status status =
      result_.has_value() ? *result_ : absl::CancelledError("the call was abandoned");
  RoutedEndpoint* endpoint = last_attempt_.endpoint;
  SeriesSet* series = nullptr;
  if (endpoint != nullptr) {
    series = endpoint->source_series().load(std::memory_order_acquire);
    if (series == nullptr) {
      series = telemetry.metrics().Find(SourceLabels(telemetry, channel_, plan_, *endpoint));
      endpoint->source_series().store(series, std::memory_order_release);
    }
  } else {
    // No endpoint was reached (a fault, a full pool, none available): the
    // destination is the service alone.
    RequestLabels labels;
    labels.source = telemetry.self();
    labels.destination_service = plan_.host != nullptr ? plan_.host->host() : channel_.target;
    labels.destination_service_name = labels.destination_service;
    series = telemetry.metrics().Find(labels);
  }
  CallRecord record;
  record.reporter = RequestLabels::Reporter::kSource;
  record.method = method_.path;
  record.span = span_;
  record.parent_span = parent_span_;
  record.start = start_;
  record.duration = absl::Now() - start_;
  record.grpc_code = static_cast<int>(status.code());
  record.answered_by_mesh = answered_by_mesh_ || endpoint == nullptr;
  record.status_message = std::string(status.message());
  record.request_bytes = request_bytes_;
  record.response_bytes = response_bytes_;
  if (endpoint != nullptr) record.peer_address = endpoint->address();
  telemetry.Report(*series, record);
}

absl::Status ClientCallState::Admit() {
  for (const auto& [name, value] : options_.headers) {
    absl::Status valid = ValidateHeader(name, value);
    if (!valid.ok()) return Refuse(std::move(valid));
  }
  if (plan_.abort) return Refuse(*plan_.abort);
  if (absl::Now() >= plan_.deadline) {
    return Refuse(
        absl::DeadlineExceededError(absl::StrCat("deadline of ", method_.path, " exceeded")));
  }
  if (plan_.host != nullptr) {
    const int max_requests = plan_.host->state()->max_requests;
    const int in_flight = plan_.host->in_flight().fetch_add(1);
    if (max_requests > 0 && in_flight >= max_requests) {
      plan_.host->in_flight().fetch_sub(1);
      return Refuse(absl::ResourceExhaustedError(
          absl::StrCat("connection pool of '", plan_.host->host(), "' is full: ", max_requests,
                       " requests in flight (DestinationRule trafficPolicy.connectionPool.http."
                       "http2MaxRequests)")));
    }
    admitted_ = true;
    plan_.host->budget().RecordCall();
  }
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
  context_ = NewClientContext();
  attempt_deadline_ =
      AttemptDeadline(now, plan_.deadline, RetryPolicy{0, plan_.per_try_timeout, {}});
  if (attempt_deadline_ != absl::InfiniteFuture()) {
    context_->set_deadline(absl::ToChronoTime(attempt_deadline_));
  }
  for (const auto& [name, value] : plan_.RequestHeaders(options_)) {  // as the route changes them
    if (channel_.telemetry != nullptr && (name == "traceparent" || name == "tracestate")) continue;
    context_->AddMetadata(name, value);
  }
  if (channel_.telemetry != nullptr) {
    context_->AddMetadata("traceparent", FormatTraceparent(span_));
    if (!span_.tracestate.empty()) context_->AddMetadata("tracestate", span_.tracestate);
    context_->AddMetadata(kPeerHeader, channel_.telemetry->self_header());
  }
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
    if (channel_.router != nullptr) channel_.router->Report(attempt_, status.code());
    tried_.push_back(attempt_.endpoint);
    // An attempt whose connection never became ready sent nothing.
    not_sent = status.code() == absl::StatusCode::kUnavailable &&
               state_before_attempt_ != GRPC_CHANNEL_READY &&
               attempt_.endpoint->channel()->GetState(false) != GRPC_CHANNEL_READY;
  }
  if (status.ok()) return std::nullopt;
  const bool per_try_timed_out =
      PerTryTimedOut(status, absl::Now(), attempt_deadline_, plan_.deadline);
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
