#include "call/client_call_state.h"

#include <algorithm>

#include "absl/algorithm/container.h"
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
                           const CallPlan& plan, const EndpointInfo& info) {
  RequestLabels labels;
  labels.reporter = RequestLabels::Reporter::kSource;
  labels.source = telemetry.self();
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
  if (plan.cluster->fixed_address()) {
    labels.destination_service = plan.cluster->host();
    labels.destination_service_name = plan.cluster->host();
  } else {
    labels.destination_service_name = plan.cluster->host();
    labels.destination_service_namespace = channel.namespace_name;
    labels.destination_service =
        absl::StrCat(plan.cluster->host(), ".", channel.namespace_name, ".svc.cluster.local");
  }
  return labels;
}

// The labels of a call that reached no endpoint (a fault, a full pool, none
// available): those every endpoint of its subset shares, so that the call
// counts with the others to the same destination.
RequestLabels NoEndpointLabels(const Telemetry& telemetry, const Channel::Impl& channel,
                               const CallPlan& plan) {
  RequestLabels labels = SourceLabels(telemetry, channel, plan, EndpointInfo());
  labels.mutual_tls = false;
  std::shared_ptr<const ClusterState> state = plan.cluster->state();
  const ClusterState::SubsetState* subset = state->Find(plan.subset);
  if (subset == nullptr || subset->endpoints.empty()) return labels;
  labels = SourceLabels(telemetry, channel, plan, subset->endpoints.front()->info());
  for (const auto& endpoint : subset->endpoints) {
    const RequestLabels other = SourceLabels(telemetry, channel, plan, endpoint->info());
    PeerLabels& mine = labels.destination;
    const PeerLabels& theirs = other.destination;
    if (mine.app != theirs.app) mine.app.clear();
    if (mine.version != theirs.version) mine.version.clear();
    if (mine.workload != theirs.workload) mine.workload.clear();
    if (mine.namespace_name != theirs.namespace_name) mine.namespace_name.clear();
    if (mine.principal != theirs.principal) mine.principal.clear();
    labels.mutual_tls = labels.mutual_tls && other.mutual_tls;
  }
  return labels;
}

// Secure naming: whether a call of `method` may go to `endpoint`. An
// endpoint that discovery listed for the IDL's own service is reached over
// mTLS as the service account it registered; it must be the one the IDL
// declares for the service, or any workload that can write the registry
// could pose as the service. The IDL says nothing of other hosts (the same
// service deployed under another name). Endpoints of the configuration are the operator's, and plaintext
// ones prove no identity at all.
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
  plan_ = channel_.router->Plan(channel_.cluster, method, options, now);
}

ClientCallState::~ClientCallState() { Close(); }

void ClientCallState::Close() {
  if (closed_) return;
  closed_ = true;
  if (admitted_) plan_.cluster->in_flight().fetch_sub(1);
  if (channel_.telemetry != nullptr) Report();
}

void ClientCallState::Report() {
  Telemetry& telemetry = *channel_.telemetry;
  // (Not value_or: it would build the error's message on every call.)
  const absl::Status status =
      result_.has_value() ? *result_ : absl::CancelledError("the call was abandoned");
  UpstreamEndpoint* endpoint = last_attempt_.endpoint;
  SeriesSet* series = nullptr;
  if (endpoint != nullptr) {
    series = endpoint->source_series().load(std::memory_order_acquire);
    if (series == nullptr) {
      series = telemetry.metrics().Find(SourceLabels(telemetry, channel_, plan_, endpoint->info()));
      endpoint->source_series().store(series, std::memory_order_release);
    }
  } else {
    series = telemetry.metrics().Find(NoEndpointLabels(telemetry, channel_, plan_));
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
  // Injected faults, flagged as Envoy flags them; an abort answers with its
  // httpStatus (a gRPC-status abort: 200, as Envoy's gRPC local reply).
  if (plan_.delay > absl::ZeroDuration()) record.response_flags |= kFaultDelayInjected;
  if (plan_.abort && result_ == plan_.abort) {
    record.response_flags |= kFaultAbortInjected;
    record.response_code = plan_.abort_http_status != 0 ? plan_.abort_http_status : 200;
  }
  record.status_message = std::string(status.message());
  record.request_bytes = request_bytes_;
  record.response_bytes = response_bytes_;
  if (endpoint != nullptr) {
    record.peer_address = endpoint->address();
    // The server's SPIFFE ID, which the mTLS handshake verified ("" in
    // plaintext).
    record.peer_principal = series->labels().destination.principal;
  }
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
