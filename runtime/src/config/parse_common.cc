#include "config/parse_common.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "names.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

constexpr std::pair<absl::string_view, absl::StatusCode> kGrpcCodes[] = {
    {"OK", absl::StatusCode::kOk},
    {"CANCELLED", absl::StatusCode::kCancelled},
    {"UNKNOWN", absl::StatusCode::kUnknown},
    {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
    {"DEADLINE_EXCEEDED", absl::StatusCode::kDeadlineExceeded},
    {"NOT_FOUND", absl::StatusCode::kNotFound},
    {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
    {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied},
    {"RESOURCE_EXHAUSTED", absl::StatusCode::kResourceExhausted},
    {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
    {"ABORTED", absl::StatusCode::kAborted},
    {"OUT_OF_RANGE", absl::StatusCode::kOutOfRange},
    {"UNIMPLEMENTED", absl::StatusCode::kUnimplemented},
    {"INTERNAL", absl::StatusCode::kInternal},
    {"UNAVAILABLE", absl::StatusCode::kUnavailable},
    {"DATA_LOSS", absl::StatusCode::kDataLoss},
    {"UNAUTHENTICATED", absl::StatusCode::kUnauthenticated},
};

// Istio's retryOn conditions and the gRPC codes they mean for a gRPC call.
// The HTTP-level conditions all describe a failure to get a response from
// the server, which a gRPC client sees as UNAVAILABLE.
constexpr std::pair<absl::string_view, absl::StatusCode> kRetryOn[] = {
    {"cancelled", absl::StatusCode::kCancelled},
    {"deadline-exceeded", absl::StatusCode::kDeadlineExceeded},
    {"internal", absl::StatusCode::kInternal},
    {"resource-exhausted", absl::StatusCode::kResourceExhausted},
    {"unavailable", absl::StatusCode::kUnavailable},
    {"5xx", absl::StatusCode::kUnavailable},
    {"gateway-error", absl::StatusCode::kUnavailable},
    {"connect-failure", absl::StatusCode::kUnavailable},
    {"refused-stream", absl::StatusCode::kUnavailable},
    {"reset", absl::StatusCode::kUnavailable},
    {"reset-before-request", absl::StatusCode::kUnavailable},
};

}  // namespace

std::optional<std::string> MeshHostName(absl::string_view host, absl::string_view ns) {
  std::vector<absl::string_view> labels = absl::StrSplit(host, '.');
  for (absl::string_view label : labels) {
    if (!internal::IsDns1123Label(label)) return std::nullopt;
  }
  const bool cluster_local = (labels.size() == 2 && labels[1] == ns) ||
                             (labels.size() == 3 && labels[2] == "svc") ||
                             absl::EndsWith(host, ".svc.cluster.local");
  if (labels.size() == 1 || cluster_local) return std::string(labels[0]);
  return std::string(host);
}

absl::StatusOr<std::string> ReadHost(const YamlNode& node, absl::string_view path,
                                     const Document& doc, absl::string_view ns) {
  MESHUP_ASSIGN_OR_RETURN(std::string host, ReadString(node, path, doc));
  if (host.empty()) return doc.Error(node, path, "a host is required");
  if (host.find('*') != std::string::npos) {
    return doc.Error(node, path,
                     absl::StrCat("wildcard host '", host, "' is not supported; name the service"));
  }
  std::optional<std::string> mesh_host = MeshHostName(host, ns);
  if (!mesh_host) {
    return doc.Error(node, path,
                     absl::StrCat("host '", host,
                                  "' is not a DNS name (lowercase letters, "
                                  "digits, '-' and '.')"));
  }
  return *mesh_host;
}

absl::StatusOr<std::string> ReadHostOrWildcard(const YamlNode& node, absl::string_view path,
                                               const Document& doc, absl::string_view ns) {
  MESHUP_ASSIGN_OR_RETURN(std::string host, ReadString(node, path, doc));
  if (!IsWildcard(host)) return ReadHost(node, path, doc, ns);
  host = absl::AsciiStrToLower(host);
  if (host == "*") return host;
  if (!absl::StartsWith(host, "*.") || !MeshHostName(host.substr(2), ns)) {
    return doc.Error(node, path,
                     absl::StrCat("wildcard host '", host,
                                  "' is not \"*\" or \"*.\" and a DNS name (e.g. \"*.local\", "
                                  "\"*.example.com\")"));
  }
  return host;
}

absl::StatusOr<StringMatch> ReadStringMatch(const YamlNode& node, absl::string_view path,
                                            const Document& doc) {
  Fields fields(node, std::string(path), doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  StringMatch match;
  int set = 0;
  for (auto [key, kind] : {std::pair{"exact", StringMatch::Kind::kExact},
                           std::pair{"prefix", StringMatch::Kind::kPrefix},
                           std::pair{"regex", StringMatch::Kind::kRegex}}) {
    YamlNode value = fields.Get(key);
    if (!value.IsDefined()) continue;
    ++set;
    match.kind = kind;
    MESHUP_ASSIGN_OR_RETURN(match.value, ReadString(value, fields.Path(key), doc));
    if (kind == StringMatch::Kind::kRegex) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto regex = std::make_shared<re2::RE2>(match.value, options);
      if (!regex->ok()) {
        return doc.Error(value, fields.Path(key),
                         absl::StrCat("invalid RE2 regex '", match.value, "': ", regex->error()));
      }
      match.regex = std::move(regex);
    }
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  if (set != 1) {
    return doc.Error(node, path, "set exactly one of exact, prefix or regex");
  }
  return match;
}

absl::StatusOr<double> ReadPercent(const YamlNode& node, absl::string_view path,
                                   const Document& doc) {
  Fields fields(node, std::string(path), doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  YamlNode value = fields.Get("value");
  if (!value.IsDefined()) return doc.Error(node, path, "value is required");
  MESHUP_ASSIGN_OR_RETURN(double percent, ReadDouble(value, fields.Path("value"), doc, 0, 100));
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return percent;
}

absl::StatusOr<absl::StatusCode> ReadGrpcCode(const YamlNode& node, absl::string_view path,
                                              const Document& doc) {
  MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(node, path, doc));
  const std::string upper = absl::AsciiStrToUpper(name);
  for (const auto& [code_name, code] : kGrpcCodes) {
    if (upper == code_name) return code;
  }
  return doc.Error(node, path,
                   absl::StrCat("'", name, "' is not a gRPC status name (e.g. UNAVAILABLE)"));
}

absl::StatusCode GrpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInternal;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

absl::StatusOr<std::vector<absl::StatusCode>> ReadRetryOn(const YamlNode& node,
                                                          absl::string_view path,
                                                          const Document& doc) {
  MESHUP_ASSIGN_OR_RETURN(std::string text, ReadString(node, path, doc));
  std::vector<absl::StatusCode> codes;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    bool known = false;
    for (const auto& [name, code] : kRetryOn) {
      if (item != name) continue;
      known = true;
      bool seen = false;
      for (absl::StatusCode c : codes) seen |= (c == code);
      if (!seen) codes.push_back(code);
    }
    if (!known) {
      return doc.Error(node, path,
                       absl::StrCat("retry condition '", item,
                                    "' is not supported for gRPC; use cancelled, "
                                    "deadline-exceeded, internal, resource-exhausted, "
                                    "unavailable, 5xx, gateway-error, connect-failure, "
                                    "refused-stream, reset or reset-before-request"));
    }
  }
  return codes;
}

}  // namespace meshup::config
