// A workload's telemetry: its metrics registry, its tracer and its access
// log, made once per Mesh from the Mesh document's `spec.telemetry`.
//
// The call pipeline reports each finished call here, once per side: the
// client (reporter=source) after its last attempt, the server
// (reporter=destination) after the handler. Report() records metrics with
// no shared lock (the caller passes the SeriesSet it looked up once), and
// queues the span and the access-log line for a background writer.
#ifndef MESHUP_SRC_TELEMETRY_TELEMETRY_H_
#define MESHUP_SRC_TELEMETRY_TELEMETRY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "telemetry/async_batcher.h"
#include "telemetry/caller_labels.h"
#include "telemetry/file_sink.h"
#include "telemetry/metrics.h"
#include "telemetry/trace_context.h"
#include "util/clock.h"

namespace meshup::internal {

// The request header that tells a server who calls: the caller's workload,
// namespace, app and version, comma-separated (its principal comes from its
// certificate, not from here). For metrics labels only, never for policy,
// and only within the bounds CallerLabels (caller_labels.h) sets.
inline constexpr char kPeerHeader[] = "x-meshup-peer";

struct TelemetryOptions {
  PeerLabels self;                  // this workload (principal filled when it has an identity)
  std::string trust_domain = "cluster.local";
  double sampling_percent = 100;    // of new traces; a caller's decision is kept
  std::string otlp_endpoint;        // "http://127.0.0.1:4318": POSTs to <it>/v1/traces
  std::string trace_file;           // spans as JSON lines
  std::string access_log_file;      // one JSON line per call; "-": stderr
  FileRotation rotation;            // of trace_file and access_log_file
  size_t max_series = MetricsRegistry::kDefaultMaxSeries;
};

// One finished call, as one side saw it.
struct CallRecord {
  RequestLabels::Reporter reporter = RequestLabels::Reporter::kSource;
  absl::string_view method;  // "/pkg.Svc/Method"
  TraceContext span;         // this side's span (span_id) and its trace
  SpanId parent_span{};      // zero: a root span
  absl::Time start;
  absl::Duration duration;
  int grpc_code = 0;
  bool answered_by_mesh = false;  // the mesh answered (no endpoint, denied, timeout)
  int response_code = 0;          // 0: derived (ResponseCodeFor); else e.g. a fault's httpStatus
  uint32_t response_flags = 0;    // ResponseFlag bits
  std::string status_message;
  uint64_t request_bytes = 0, response_bytes = 0;
  // The other side's SPIFFE ID: the client's from its verified certificate
  // (server side); the server's that the handshake verified (client side).
  absl::string_view peer_principal;
  absl::string_view peer_address;    // "127.0.0.1:9081"
  absl::string_view peer_workload;   // the other side's workload name, when known
};

class Telemetry {
 public:
  Telemetry(TelemetryOptions options, Random& random);
  ~Telemetry();

  MetricsRegistry& metrics() { return metrics_; }
  CallerLabels& callers() { return callers_; }
  const PeerLabels& self() const { return options_.self; }
  const std::string& trust_domain() const { return options_.trust_domain; }
  // This workload's kPeerHeader value.
  const std::string& self_header() const { return self_header_; }
  // Unique per Telemetry in the process, for caches keyed by instance.
  uint64_t id() const { return id_; }

  // The context of a new span: a child of `parent`, or the root of a new
  // trace (sampled as configured) when `parent` is null.
  TraceContext NewSpan(const TraceContext* parent);

  // Whether Report() writes anything beyond metrics for a call with `span`
  // (a sampled span to export, or an access-log line): callers skip
  // gathering what only those need (the peer's address) when not.
  bool WantsDetails(const TraceContext& span) const {
    return (spans_ != nullptr && span.sampled) || access_log_ != nullptr;
  }

  // Records `call` into `series` (the SeriesSet of its labels) and queues
  // its span (when sampled) and access-log line.
  void Report(SeriesSet& series, const CallRecord& call);

  // Waits until queued spans and log lines are written (tests, shutdown).
  void Flush();

 private:
  const TelemetryOptions options_;
  const std::string self_header_;
  const uint64_t id_;
  Random& random_;
  MetricsRegistry metrics_;
  CallerLabels callers_;
  std::unique_ptr<AsyncBatcher> spans_;       // null: tracing off
  std::unique_ptr<AsyncBatcher> access_log_;  // null: no access log
};

// The caller's labels from a kPeerHeader value; fields it lacks stay empty.
PeerLabels ParsePeerHeader(absl::string_view value);

// The workload name Istio would report for a service and version:
// "reviews-v2" (the Deployment's name in `meshup manifests`).
std::string WorkloadName(absl::string_view app, absl::string_view version);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_TELEMETRY_H_
