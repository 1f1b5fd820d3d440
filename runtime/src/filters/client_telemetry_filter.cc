#include "filters/client_telemetry_filter.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "names.h"
#include "security/transport.h"
#include "telemetry/telemetry.h"
#include "telemetry/trace_context.h"

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

}  // namespace

absl::Status ClientTelemetryFilter::OnStart(ClientCallState& call) const {
  Telemetry* telemetry = call.channel().telemetry;
  if (telemetry == nullptr) return absl::OkStatus();
  // The parent: a traceparent the caller set by hand, else the call the
  // current thread is serving.
  std::optional<TraceContext> explicit_parent;
  for (const auto& [name, value] : call.options().headers) {
    if (name == "traceparent") explicit_parent = ParseTraceparent(value);
  }
  const TraceContext* parent = explicit_parent ? &*explicit_parent : CurrentTraceContext();
  ClientCallSlots& slots = call.slots();
  if (parent != nullptr) slots.parent_span = parent->span_id;
  slots.span = telemetry->NewSpan(parent);
  return absl::OkStatus();
}

bool ClientTelemetryFilter::Replaces(const ClientCallState& call, absl::string_view name) const {
  return call.channel().telemetry != nullptr && (name == "traceparent" || name == "tracestate");
}

void ClientTelemetryFilter::OnAttempt(ClientCallState& call, grpc::ClientContext& context) const {
  Telemetry* telemetry = call.channel().telemetry;
  if (telemetry == nullptr) return;
  const TraceContext& span = call.slots().span;
  context.AddMetadata("traceparent", FormatTraceparent(span));
  if (!span.tracestate.empty()) context.AddMetadata("tracestate", span.tracestate);
  context.AddMetadata(kPeerHeader, telemetry->self_header());
}

void ClientTelemetryFilter::OnEnd(ClientCallState& call) const {
  Telemetry* telemetry_ptr = call.channel().telemetry;
  // A call refused before it was planned has no destination to report.
  if (telemetry_ptr == nullptr || call.plan().cluster == nullptr) return;
  Telemetry& telemetry = *telemetry_ptr;
  const Channel::Impl& channel = call.channel();
  const CallPlan& plan = call.plan();
  // (Not value_or: it would build the error's message on every call.)
  const absl::Status status =
      call.result().has_value() ? *call.result() : absl::CancelledError("the call was abandoned");
  UpstreamEndpoint* endpoint = call.last_endpoint();
  SeriesSet* series = nullptr;
  if (endpoint != nullptr) {
    series = endpoint->source_series().load(std::memory_order_acquire);
    if (series == nullptr) {
      series = telemetry.metrics().Find(SourceLabels(telemetry, channel, plan, endpoint->info()));
      endpoint->source_series().store(series, std::memory_order_release);
    }
  } else {
    series = telemetry.metrics().Find(NoEndpointLabels(telemetry, channel, plan));
  }
  CallRecord record;
  record.reporter = RequestLabels::Reporter::kSource;
  record.method = call.method().path;
  record.span = call.slots().span;
  record.parent_span = call.slots().parent_span;
  record.start = call.start();
  record.duration = absl::Now() - call.start();
  record.grpc_code = static_cast<int>(status.code());
  record.answered_by_mesh = call.answered_by_mesh() || endpoint == nullptr;
  // Injected faults, flagged as Envoy flags them; an abort answers with its
  // httpStatus (a gRPC-status abort: 200, as Envoy's gRPC local reply).
  if (plan.delay > absl::ZeroDuration()) record.response_flags |= kFaultDelayInjected;
  if (plan.abort && call.result() == plan.abort) {
    record.response_flags |= kFaultAbortInjected;
    record.response_code = plan.abort_http_status != 0 ? plan.abort_http_status : 200;
  }
  record.status_message = std::string(status.message());
  record.request_bytes = call.request_bytes();
  record.response_bytes = call.response_bytes();
  if (endpoint != nullptr) {
    record.peer_address = endpoint->address();
    // The server's SPIFFE ID, which the mTLS handshake verified ("" in
    // plaintext).
    record.peer_principal = series->labels().destination.principal;
  }
  telemetry.Report(*series, record);
}

}  // namespace meshup::internal
