// The server side of a call: the wrapper around every generated handler.
#include <exception>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "call/grpc_status.h"
#include "grpc/grpc_security.h"
#include "meshup/internal/grpc_service.h"
#include "meshup/server_context.h"
#include "names.h"
#include "security/authorizer.h"
#include "security/spiffe_id.h"
#include "server_runtime.h"
#include "service_access.h"
#include "telemetry/telemetry.h"
#include "telemetry/trace_context.h"
#include "util/tsan.h"

namespace meshup {

ServerContext::ServerContext(grpc::ServerContextBase& grpc_context, const MethodInfo& method)
    : grpc_(grpc_context), method_(method) {
  // Set by gRPC's TLS stack from the verified client certificate's SPIFFE ID.
  // Read through gRPC's C API: grpc::ServerContext::auth_context() would
  // allocate a wrapper and a vector on every call.
  grpc_auth_context* auth = grpc_call_auth_context(grpc_.c_call());
  if (auth != nullptr) {
    grpc_auth_property_iterator it =
        grpc_auth_context_find_properties_by_name(auth, "peer_spiffe_id");
    while (const grpc_auth_property* property = grpc_auth_property_iterator_next(&it)) {
      peer_identity_.assign(property->value, property->value_length);
    }
    grpc_auth_context_release(auth);
  }
}

std::string ServerContext::peer() const { return grpc_.peer(); }

std::optional<absl::string_view> ServerContext::header(absl::string_view name) const {
  const auto& metadata = grpc_.client_metadata();
  auto it = metadata.find(grpc::string_ref(name.data(), name.size()));
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

absl::Time ServerContext::deadline() const {
  std::chrono::system_clock::time_point deadline = grpc_.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

bool ServerContext::IsCancelled() const { return grpc_.IsCancelled(); }

absl::Status ServerContext::AddResponseHeader(const std::string& name, const std::string& value) {
  absl::Status valid = internal::ValidateHeader(name, value);
  if (!valid.ok()) return valid;
  grpc_.AddInitialMetadata(name, value);
  return absl::OkStatus();
}

namespace internal {

namespace {

// Applies the configuration's AuthorizationPolicy to the call; OK to go on.
absl::Status Authorize(ServerRuntime& runtime, const Service& service, const ServerContext& context,
                       grpc::ServerContextBase& grpc_context) {
  if (runtime.config == nullptr || &context.method() == runtime.authorization_exempt) {
    return absl::OkStatus();
  }
  std::shared_ptr<const config::Snapshot> snapshot = runtime.config->Current();
  auto declared = runtime.declared_policies.find(&service);
  const bool has_declared = declared != runtime.declared_policies.end();
  if (snapshot->authorization_policies.empty() && !has_declared) return absl::OkStatus();
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : grpc_context.client_metadata()) {
    headers.emplace_back(std::string(name.data(), name.size()),
                         std::string(value.data(), value.size()));
  }
  absl::string_view principal = context.peer_identity();
  absl::ConsumePrefix(&principal, "spiffe://");
  AuthzRequest request;
  request.path = context.method().path;  // canonical: never the raw request line
  request.principal = principal;
  request.headers = headers;
  if (absl::StatusOr<SpiffeId> id = ParseSpiffeId(context.peer_identity()); id.ok()) {
    request.source_namespace = id->namespace_name;
  }
  AuthzDecision decision =
      internal::Authorize(*snapshot, runtime.labels, runtime.namespace_name, request,
                          has_declared ? absl::MakeConstSpan(&declared->second, 1)
                                       : absl::Span<const config::AuthorizationPolicy>());
  if (decision.allowed) return absl::OkStatus();
  if (runtime.denied != nullptr) runtime.denied->fetch_add(1, std::memory_order_relaxed);
  return absl::PermissionDeniedError("RBAC: access denied");
}

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

grpc::Status RunServerCall(Service& service, const MethodInfo& method,
                           grpc::ServerContextBase& grpc_context,
                           absl::FunctionRef<absl::Status(ServerContext&)> handler,
                           const google::protobuf::Message* request,
                           const google::protobuf::Message* response,
                           const StreamedBytes* streamed) {
  const absl::Time start = absl::Now();
  ServerContext context(grpc_context, method);
  ServerRuntime* runtime = ServiceAccess::Runtime(service);
  Telemetry* telemetry = runtime != nullptr ? runtime->telemetry : nullptr;
  std::optional<TraceContext> parent;
  TraceContext span;
  if (telemetry != nullptr) {
    parent = IncomingTraceContext(context);
    span = telemetry->NewSpan(parent ? &*parent : nullptr);
  }
  absl::Status status;
  bool denied = false;
  if (runtime != nullptr) {
    status = Authorize(*runtime, service, context, grpc_context);
    denied = !status.ok();
  }
  if (!denied) {
    // Calls the handler makes through generated clients continue this trace.
    ScopedTraceContext current(telemetry != nullptr ? &span : nullptr);
    // A handler that throws must not take the server down: its caller gets
    // INTERNAL, and the exception stops here.
    try {
      status = handler(context);
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("handler of ", method.path, " threw: ", e.what()));
    } catch (...) {
      status = absl::InternalError(absl::StrCat("handler of ", method.path, " threw"));
    }
  }
  if (telemetry != nullptr) {
    CallRecord record;
    record.reporter = RequestLabels::Reporter::kDestination;
    record.method = method.path;
    record.span = span;
    if (parent) record.parent_span = parent->span_id;
    record.start = start;
    record.duration = absl::Now() - start;
    record.grpc_code = static_cast<int>(status.code());
    record.answered_by_mesh = denied;
    record.status_message = std::string(status.message());
    // What a stream wrote was sent whatever the status; a single response
    // only when the call succeeded.
    record.request_bytes = (request != nullptr ? request->ByteSizeLong() : 0) +
                           (streamed != nullptr ? streamed->received : 0);
    record.response_bytes = (response != nullptr && status.ok() ? response->ByteSizeLong() : 0) +
                            (streamed != nullptr ? streamed->sent : 0);
    record.peer_principal = context.peer_identity();
    std::string peer_address;  // gRPC formats it anew on each call: only when needed
    if (telemetry->WantsDetails(span)) {
      peer_address = grpc_context.peer();
      record.peer_address = peer_address;
    }
    SeriesSet& series = DestinationSeries(
        *telemetry, *runtime, context.header(kPeerHeader).value_or(""), context.peer_identity());
    // As the metrics label it: what the caller's header says within bounds.
    record.peer_workload = series.labels().source.workload;
    telemetry->Report(series, record);
  }
  // To whoever stops the server: once gRPC's Shutdown() or Wait() returns,
  // the service is theirs to destroy.
  HandOffToGrpc(&service);
  return ToGrpcStatus(status);
}

void BeginGrpcCode() { IgnoreThreadBegin(); }

void EndGrpcCode() { IgnoreThreadEnd(); }

}  // namespace internal
}  // namespace meshup
