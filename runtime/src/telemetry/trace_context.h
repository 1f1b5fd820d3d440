// Trace context: W3C Trace Context (`traceparent`, `tracestate`) and B3
// (`b3`, or `x-b3-traceid` / `x-b3-spanid` / `x-b3-sampled`), parsed from an
// incoming call and carried to the calls its handler makes.
//
// The runtime sets the current context for the thread that runs a handler
// (ScopedTraceContext in the server wrapper); a generated client called on
// that thread starts its span as a child of it and sends `traceparent`. A
// handler that hands work to another thread carries the context itself
// (CurrentTraceContext() and a ScopedTraceContext there).
//
// Parsing is strict and never throws: a malformed header is ignored (the call
// starts a new trace), as the W3C specification asks.
#ifndef MESHUP_SRC_TELEMETRY_TRACE_CONTEXT_H_
#define MESHUP_SRC_TELEMETRY_TRACE_CONTEXT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace meshup::internal {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};  // the span of the caller (parent of the next span)
  bool sampled = true;
  std::string tracestate;  // passed through unchanged
};

// "00-<32 hex>-<16 hex>-<2 hex>"; versions other than 00 (but not ff) are
// read by their first four fields, as the specification says. All-zero IDs
// are invalid.
std::optional<TraceContext> ParseTraceparent(absl::string_view header);
std::string FormatTraceparent(const TraceContext& context);

// The single `b3` header: "<trace>-<span>[-<sampling>[-<parent>]]" (trace ID
// 16 or 32 hex digits), or just a sampling decision ("0", "1", "d"), which
// carries no context.
std::optional<TraceContext> ParseB3Single(absl::string_view header);
// The multi-header form; `sampled` may be empty.
std::optional<TraceContext> ParseB3Multi(absl::string_view trace_id, absl::string_view span_id,
                                         absl::string_view sampled);

std::string HexId(const uint8_t* bytes, size_t size);
template <size_t N>
std::string HexId(const std::array<uint8_t, N>& id) {
  return HexId(id.data(), N);
}

// The context of the call the current thread is serving, or nullptr.
const TraceContext* CurrentTraceContext();

// Makes `context` current on this thread for the scope; restores the
// previous one after.
class ScopedTraceContext {
 public:
  explicit ScopedTraceContext(const TraceContext* context);
  ~ScopedTraceContext();
  ScopedTraceContext(const ScopedTraceContext&) = delete;
  ScopedTraceContext& operator=(const ScopedTraceContext&) = delete;

 private:
  const TraceContext* previous_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_TRACE_CONTEXT_H_
