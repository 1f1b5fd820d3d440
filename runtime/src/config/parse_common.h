// Pieces the per-kind parsers share: hosts, StringMatch, percentages, gRPC
// status names.
#ifndef MESHUP_SRC_CONFIG_PARSE_COMMON_H_
#define MESHUP_SRC_CONFIG_PARSE_COMMON_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/model.h"
#include "config/yaml_fields.h"

namespace meshup::config {

// The mesh name of a host as Istio writes it, in namespace `ns`: "reviews",
// "reviews.<ns>", "reviews.<any ns>.svc" and
// "reviews.<any ns>.svc.cluster.local" are all "reviews". Other names (an
// external "httpbin.org" or "api.example.com") stay as they are. Wildcards
// are refused (ReadHostOrWildcard reads them where Istio allows them).
absl::StatusOr<std::string> ReadHost(const YamlNode& node, absl::string_view path,
                                     const Document& doc, absl::string_view ns);

// The same rule for a name given in code: nullopt when `host` is not a DNS
// name.
std::optional<std::string> MeshHostName(absl::string_view host, absl::string_view ns);

// A VirtualService's or DestinationRule's host, which Istio lets be a
// wildcard: "*" or "*.<DNS name>" (kept as written, see WildcardCovers in
// model.h); any other host as ReadHost reads it.
absl::StatusOr<std::string> ReadHostOrWildcard(const YamlNode& node, absl::string_view path,
                                               const Document& doc, absl::string_view ns);

// Istio's StringMatch {exact | prefix | regex}; regexes are RE2.
absl::StatusOr<StringMatch> ReadStringMatch(const YamlNode& node, absl::string_view path,
                                            const Document& doc);

// Istio's Percent {value: 0..100}.
absl::StatusOr<double> ReadPercent(const YamlNode& node, absl::string_view path,
                                   const Document& doc);

// A gRPC status code by its canonical name ("UNAVAILABLE", "unavailable").
absl::StatusOr<absl::StatusCode> ReadGrpcCode(const YamlNode& node, absl::string_view path,
                                              const Document& doc);

// The gRPC code a gRPC client sees for an HTTP status, per gRPC's HTTP
// mapping (404 -> UNIMPLEMENTED, 503 -> UNAVAILABLE, 500 -> UNKNOWN, ...).
absl::StatusCode GrpcCodeForHttpStatus(int http_status);

// Istio's retryOn: a comma-separated list of conditions, as gRPC codes.
absl::StatusOr<std::vector<absl::StatusCode>> ReadRetryOn(const YamlNode& node,
                                                          absl::string_view path,
                                                          const Document& doc);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_PARSE_COMMON_H_
