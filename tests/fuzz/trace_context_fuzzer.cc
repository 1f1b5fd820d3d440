// libFuzzer target: any bytes as the trace headers of an incoming call
// (traceparent, the single b3 header, and the multi-header B3 form). The
// first byte picks the parser; the rest is the header value (for the multi
// form, split into trace ID, span ID and sampled at NUL bytes). Besides never
// crashing: what parses has non-zero IDs, prints back as a traceparent that
// parses to the same context, and a well-formed version-00 traceparent
// prints back unchanged but for the flags other than "sampled".
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "telemetry/trace_context.h"

namespace {

using meshup::internal::TraceContext;

template <size_t N>
bool IsZero(const std::array<uint8_t, N>& id) {
  for (uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

void CheckParsed(const std::optional<TraceContext>& context) {
  if (!context) return;
  if (IsZero(context->trace_id) || IsZero(context->span_id)) std::abort();
  const std::string printed = meshup::internal::FormatTraceparent(*context);
  if (printed.size() != 55) std::abort();
  std::optional<TraceContext> again = meshup::internal::ParseTraceparent(printed);
  if (!again || again->trace_id != context->trace_id || again->span_id != context->span_id ||
      again->sampled != context->sampled) {
    std::abort();
  }
  if (meshup::internal::HexId(context->trace_id).size() != 32 ||
      meshup::internal::HexId(context->span_id).size() != 16) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string header(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      std::optional<TraceContext> context = meshup::internal::ParseTraceparent(header);
      CheckParsed(context);
      const absl::string_view stripped = absl::StripAsciiWhitespace(header);
      if (context && absl::StartsWith(stripped, "00-")) {
        const std::string printed = meshup::internal::FormatTraceparent(*context);
        if (printed.substr(0, 53) != stripped.substr(0, 53)) std::abort();
      }
      break;
    }
    case 1:
      CheckParsed(meshup::internal::ParseB3Single(header));
      break;
    default: {
      std::vector<std::string> parts = absl::StrSplit(header, absl::MaxSplits('\0', 2));
      parts.resize(3);
      CheckParsed(meshup::internal::ParseB3Multi(parts[0], parts[1], parts[2]));
      break;
    }
  }
  return 0;
}
