#include "telemetry/trace_context.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"

namespace meshup::internal {
namespace {

thread_local const TraceContext* current_context = nullptr;

// Each character's value as a lowercase hex digit, or 0xff: uppercase is
// invalid in traceparent and B3. A table, as every call parses one header.
constexpr std::array<uint8_t, 256> kHexValues = [] {
  std::array<uint8_t, 256> values{};
  for (uint8_t& value : values) value = 0xff;
  for (int c = '0'; c <= '9'; ++c) values[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) values[c] = static_cast<uint8_t>(c - 'a' + 10);
  return values;
}();

// Reads exactly 2 * size lowercase hex digits into `out`.
bool ReadHex(absl::string_view text, uint8_t* out, size_t size) {
  if (text.size() != 2 * size) return false;
  uint8_t invalid = 0;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t high = kHexValues[static_cast<unsigned char>(text[2 * i])];
    const uint8_t low = kHexValues[static_cast<unsigned char>(text[2 * i + 1])];
    invalid |= (high | low) & 0xf0;
    out[i] = static_cast<uint8_t>(high << 4 | (low & 0xf));
  }
  return invalid == 0;
}

// Writes `size` bytes as 2 * size lowercase hex digits at `out`; returns
// the end.
char* WriteHex(const uint8_t* bytes, size_t size, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    *out++ = kDigits[bytes[i] >> 4];
    *out++ = kDigits[bytes[i] & 0xf];
  }
  return out;
}

template <size_t N>
bool IsZero(const std::array<uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

// A B3 trace ID: 32 hex digits, or 16 (the high half zero).
bool ReadB3TraceId(absl::string_view text, TraceId& id) {
  id = {};
  if (text.size() == 16) return ReadHex(text, id.data() + 8, 8);
  return ReadHex(text, id.data(), 16);
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.size() < 55) return std::nullopt;
  uint8_t version = 0;
  if (!ReadHex(header.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
  // Version 00 is exactly 55 characters; later versions may append fields
  // after a '-'.
  if (version == 0 && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  TraceContext context;
  uint8_t flags = 0;
  if (!ReadHex(header.substr(3, 32), context.trace_id.data(), 16) ||
      !ReadHex(header.substr(36, 16), context.span_id.data(), 8) ||
      !ReadHex(header.substr(53, 2), &flags, 1)) {
    return std::nullopt;
  }
  if (IsZero(context.trace_id) || IsZero(context.span_id)) return std::nullopt;
  context.sampled = (flags & 1) != 0;
  return context;
}

std::string FormatTraceparent(const TraceContext& context) {
  // Written in place, with one allocation: every call sends one.
  std::string out(55, '-');  // 00-<32 hex>-<16 hex>-<2 hex>
  char* p = out.data();
  *p++ = '0';
  *p++ = '0';
  p = WriteHex(context.trace_id.data(), context.trace_id.size(), p + 1);
  p = WriteHex(context.span_id.data(), context.span_id.size(), p + 1);
  p[1] = '0';
  p[2] = context.sampled ? '1' : '0';
  return out;
}

std::optional<TraceContext> ParseB3Single(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  const size_t first = header.find('-');
  if (first == absl::string_view::npos) return std::nullopt;  // a bare decision, or garbage
  TraceContext context;
  if (!ReadB3TraceId(header.substr(0, first), context.trace_id)) return std::nullopt;
  absl::string_view rest = header.substr(first + 1);
  const size_t second = rest.find('-');
  if (!ReadHex(rest.substr(0, second), context.span_id.data(), 8)) return std::nullopt;
  if (second != absl::string_view::npos) {
    absl::string_view sampling = rest.substr(second + 1);
    const size_t third = sampling.find('-');
    if (third != absl::string_view::npos) {
      SpanId parent;
      if (!ReadHex(sampling.substr(third + 1), parent.data(), 8)) return std::nullopt;
      sampling = sampling.substr(0, third);
    }
    if (sampling == "0") {
      context.sampled = false;
    } else if (sampling != "1" && sampling != "d") {
      return std::nullopt;
    }
  }
  if (IsZero(context.trace_id) || IsZero(context.span_id)) return std::nullopt;
  return context;
}

std::optional<TraceContext> ParseB3Multi(absl::string_view trace_id, absl::string_view span_id,
                                         absl::string_view sampled) {
  TraceContext context;
  if (!ReadB3TraceId(absl::StripAsciiWhitespace(trace_id), context.trace_id) ||
      !ReadHex(absl::StripAsciiWhitespace(span_id), context.span_id.data(), 8)) {
    return std::nullopt;
  }
  sampled = absl::StripAsciiWhitespace(sampled);
  if (sampled == "0" || sampled == "false") context.sampled = false;
  if (IsZero(context.trace_id) || IsZero(context.span_id)) return std::nullopt;
  return context;
}

std::string HexId(const uint8_t* bytes, size_t size) {
  std::string out(2 * size, '0');
  WriteHex(bytes, size, out.data());
  return out;
}

const TraceContext* CurrentTraceContext() { return current_context; }

ScopedTraceContext::ScopedTraceContext(const TraceContext* context)
    : previous_(current_context) {
  current_context = context;
}

ScopedTraceContext::~ScopedTraceContext() { current_context = previous_; }

}  // namespace meshup::internal
