#include "telemetry/telemetry.h"

#include <atomic>
#include <cstdio>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "discovery/http_client.h"
#include "nlohmann/json.hpp"

namespace meshup::internal {
namespace {

constexpr const char* kGrpcCodeNames[] = {
    "OK",        "CANCELLED",         "UNKNOWN",       "INVALID_ARGUMENT",  "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",  "UNIMPLEMENTED",     "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",       "UNAUTHENTICATED"};

const char* CodeName(int code) {
  return code >= 0 && code <= 16 ? kGrpcCodeNames[code] : "UNKNOWN";
}

std::string UnixNanos(absl::Time time) { return std::to_string(absl::ToUnixNanos(time)); }

nlohmann::json Attribute(const char* key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

template <size_t N>
bool IsZero(const std::array<uint8_t, N>& id) {
  for (uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

// A span in OTLP/JSON's form (hex IDs, nanosecond strings).
std::string SpanJson(const PeerLabels& self, const CallRecord& call) {
  const bool client = call.reporter == RequestLabels::Reporter::kSource;
  nlohmann::json attributes = nlohmann::json::array(
      {Attribute("rpc.system", "grpc"), Attribute("rpc.method", std::string(call.method)),
       Attribute("rpc.grpc.status_code", std::to_string(call.grpc_code)),
       Attribute("meshup.workload", self.workload),
       Attribute("meshup.namespace", self.namespace_name)});
  if (!call.peer_address.empty()) {
    attributes.push_back(Attribute("net.peer.name", std::string(call.peer_address)));
  }
  if (!call.peer_principal.empty()) {
    attributes.push_back(Attribute("meshup.peer.principal", std::string(call.peer_principal)));
  }
  nlohmann::json span = {
      {"traceId", HexId(call.span.trace_id)},
      {"spanId", HexId(call.span.span_id)},
      {"name", std::string(call.method)},
      {"kind", client ? 3 : 2},  // SPAN_KIND_CLIENT, SPAN_KIND_SERVER
      {"startTimeUnixNano", UnixNanos(call.start)},
      {"endTimeUnixNano", UnixNanos(call.start + call.duration)},
      {"attributes", std::move(attributes)},
      {"status", {{"code", call.grpc_code == 0 ? 1 : 2}}}};
  if (!IsZero(call.parent_span)) span["parentSpanId"] = HexId(call.parent_span);
  if (call.grpc_code != 0) span["status"]["message"] = call.status_message;
  return span.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome OutcomeOf(const CallRecord& call) {
  return Outcome{call.grpc_code, call.answered_by_mesh, call.response_code, call.response_flags};
}

std::string AccessLogJson(const PeerLabels& self, const CallRecord& call) {
  nlohmann::json line = {
      {"start_time", absl::FormatTime(absl::RFC3339_full, call.start, absl::UTCTimeZone())},
      {"reporter", call.reporter == RequestLabels::Reporter::kSource ? "source" : "destination"},
      {"workload", self.workload},
      {"method", std::string(call.method)},
      {"trace_id", HexId(call.span.trace_id)},
      {"span_id", HexId(call.span.span_id)},
      {"peer_principal", std::string(call.peer_principal)},
      {"peer_address", std::string(call.peer_address)},
      {"grpc_status", CodeName(call.grpc_code)},
      {"response_code", OutcomeOf(call).ResponseCode()},
      {"response_flags", ResponseFlagsText(call.response_flags)},
      {"duration_ms", absl::ToDoubleMilliseconds(call.duration)},
      {"request_bytes", call.request_bytes},
      {"response_bytes", call.response_bytes}};
  if (!call.peer_workload.empty()) line["peer_workload"] = std::string(call.peer_workload);
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// An OTLP/HTTP JSON exporter: each batch is one ExportTraceServiceRequest.
AsyncBatcher::Sink OtlpSink(std::string endpoint, std::string service) {
  std::string url = endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1/traces";
  return [url, service](const std::vector<std::string>& spans) -> absl::Status {
    const std::string body = absl::StrCat(
        R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)",
        nlohmann::json(service).dump(), R"(}}]},"scopeSpans":[{"scope":{"name":"meshup"},"spans":[)",
        absl::StrJoin(spans, ","), "]}]}]}");
    return PostJson(url, body, absl::Seconds(5)).status();
  };
}

uint64_t NextId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

}  // namespace

std::string WorkloadName(absl::string_view app, absl::string_view version) {
  return absl::StrCat(app, "-", version);
}

PeerLabels ParsePeerHeader(absl::string_view value) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, ',');
  parts.resize(4);
  PeerLabels peer;
  peer.workload = std::string(parts[0]);
  peer.namespace_name = std::string(parts[1]);
  peer.app = std::string(parts[2]);
  peer.version = std::string(parts[3]);
  return peer;
}

Telemetry::Telemetry(TelemetryOptions options, Random& random)
    : options_(std::move(options)),
      self_header_(absl::StrCat(options_.self.workload, ",", options_.self.namespace_name, ",",
                                options_.self.app, ",", options_.self.version)),
      id_(NextId()),
      random_(random),
      metrics_(options_.max_series) {
  std::vector<AsyncBatcher::Sink> sinks;
  if (!options_.otlp_endpoint.empty()) {
    sinks.push_back(OtlpSink(options_.otlp_endpoint, options_.self.app));
  }
  if (!options_.trace_file.empty()) {
    sinks.push_back(FileLineSink(options_.trace_file, options_.rotation));
  }
  if (!sinks.empty()) {
    spans_ = std::make_unique<AsyncBatcher>(
        [sinks = std::move(sinks)](const std::vector<std::string>& lines) {
          absl::Status status;
          for (const auto& sink : sinks) status.Update(sink(lines));
          return status;
        });
  }
  if (!options_.access_log_file.empty()) {
    access_log_ = std::make_unique<AsyncBatcher>(
        options_.access_log_file == "-"
            ? FileLineSink("/dev/stderr", FileRotation{0, 1})
            : FileLineSink(options_.access_log_file, options_.rotation));
  }
}

Telemetry::~Telemetry() = default;

TraceContext Telemetry::NewSpan(const TraceContext* parent) {
  TraceContext span;
  if (parent != nullptr) {
    span.trace_id = parent->trace_id;
    span.sampled = parent->sampled;
    span.tracestate = parent->tracestate;
  } else {
    for (int half = 0; half < 2; ++half) {
      uint64_t bits = random_.Uniform(std::numeric_limits<uint64_t>::max());
      for (int i = 0; i < 8; ++i) span.trace_id[half * 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
    }
    span.sampled = options_.sampling_percent >= 100 ||
                   (options_.sampling_percent > 0 && random_.Percent() < options_.sampling_percent);
  }
  uint64_t bits = random_.Uniform(std::numeric_limits<uint64_t>::max()) + 1;  // never zero
  for (int i = 0; i < 8; ++i) span.span_id[i] = static_cast<uint8_t>(bits >> (8 * i));
  return span;
}

void Telemetry::Report(SeriesSet& series, const CallRecord& call) {
  series.Record(OutcomeOf(call), call.duration, call.request_bytes, call.response_bytes);
  if (spans_ != nullptr && call.span.sampled) spans_->Add(SpanJson(options_.self, call));
  if (access_log_ != nullptr) access_log_->Add(AccessLogJson(options_.self, call));
}

void Telemetry::Flush() {
  if (spans_ != nullptr) spans_->Flush();
  if (access_log_ != nullptr) access_log_->Flush();
}

}  // namespace meshup::internal
