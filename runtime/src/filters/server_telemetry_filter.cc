#include "filters/server_telemetry_filter.h"

#include <optional>
#include <string>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "telemetry/telemetry.h"
#include "telemetry/trace_context.h"

namespace meshup::internal {
namespace {

// The caller's trace context: W3C traceparent (with tracestate), else B3.
std::optional<TraceContext> IncomingTraceContext(const ServerContext& context) {
  if (auto traceparent = context.header("traceparent")) {
    std::optional<TraceContext> parsed = ParseTraceparent(*traceparent);
    if (parsed) {
      if (auto tracestate = context.header("tracestate")) {
        parsed->tracestate = std::string(tracestate->substr(0, 512));
      }
      return parsed;
    }
  }
  if (auto b3 = context.header("b3")) return ParseB3Single(*b3);
  auto trace_id = context.header("x-b3-traceid");
  auto span_id = context.header("x-b3-spanid");
  if (trace_id && span_id) {
    return ParseB3Multi(*trace_id, *span_id, context.header("x-b3-sampled").value_or(""));
  }
  return std::nullopt;
}

// The server-side series of calls from one caller, found once per thread:
// the common case takes no lock shared with other threads. The cache is
// keyed by what the caller sends, so it is bounded: past kMaxCached
// entries it starts over.
SeriesSet& DestinationSeries(Telemetry& telemetry, const ServerRuntime& runtime,
                             absl::string_view peer_header, absl::string_view principal) {
  constexpr size_t kMaxCached = 256;
  thread_local std::unordered_map<std::string, SeriesSet*> cache;
  thread_local std::string key;
  key.clear();
  absl::StrAppend(&key, telemetry.id(), "|", peer_header, "|", principal);
  auto found = cache.find(key);
  if (found != cache.end()) return *found->second;
  RequestLabels labels;
  labels.reporter = RequestLabels::Reporter::kDestination;
  labels.source = telemetry.callers().Source(peer_header, principal);
  labels.destination = telemetry.self();
  const std::string& app = telemetry.self().app;
  labels.destination_service_name = app;
  labels.destination_service_namespace = runtime.namespace_name;
  labels.destination_service = absl::StrCat(app, ".", runtime.namespace_name, ".svc.cluster.local");
  labels.mutual_tls = !principal.empty();
  if (!labels.mutual_tls) labels.destination.principal.clear();
  SeriesSet* series = telemetry.metrics().Find(labels);
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(key, series);
  return *series;
}

}  // namespace

absl::Status ServerTelemetryFilter::Handle(ServerCall& call, const ServerFilterChain& next) const {
  Telemetry* telemetry = call.runtime != nullptr ? call.runtime->telemetry : nullptr;
  if (telemetry == nullptr) return next.Next(call);
  const absl::Time start = absl::Now();
  const ServerContext& context = call.context;
  const std::optional<TraceContext> parent = IncomingTraceContext(context);
  const TraceContext span = telemetry->NewSpan(parent ? &*parent : nullptr);
  absl::Status status;
  {
    // Calls the handler makes through generated clients continue this trace.
    ScopedTraceContext current(&span);
    status = next.Next(call);
  }
  CallRecord record;
  record.reporter = RequestLabels::Reporter::kDestination;
  record.method = call.method.path;
  record.span = span;
  if (parent) record.parent_span = parent->span_id;
  record.start = start;
  record.duration = absl::Now() - start;
  record.grpc_code = static_cast<int>(status.code());
  record.answered_by_mesh = call.answered_by_mesh;
  record.status_message = std::string(status.message());
  // What a stream wrote was sent whatever the status; a single response
  // only when the call succeeded.
  record.request_bytes = (call.request != nullptr ? call.request->ByteSizeLong() : 0) +
                         (call.streamed != nullptr ? call.streamed->received : 0);
  record.response_bytes =
      (call.response != nullptr && status.ok() ? call.response->ByteSizeLong() : 0) +
      (call.streamed != nullptr ? call.streamed->sent : 0);
  record.peer_principal = context.peer_identity();
  std::string peer_address;  // gRPC formats it anew on each call: only when needed
  if (telemetry->WantsDetails(span)) {
    peer_address = call.grpc_context.peer();
    record.peer_address = peer_address;
  }
  SeriesSet& series = DestinationSeries(*telemetry, *call.runtime,
                                        context.header(kPeerHeader).value_or(""),
                                        context.peer_identity());
  // As the metrics label it: what the caller's header says within bounds.
  record.peer_workload = series.labels().source.workload;
  telemetry->Report(series, record);
  return status;
}

}  // namespace meshup::internal
