// One parser per kind: the `spec` of a document into the model. Each refuses
// unknown fields and bad values with the file, line, column and field path.
// Checks that need other documents (subsets, duplicates) are the loader's.
#ifndef MESHUP_SRC_CONFIG_PARSERS_H_
#define MESHUP_SRC_CONFIG_PARSERS_H_

#include "absl/status/statusor.h"
#include "config/model.h"
#include "config/yaml_fields.h"

namespace meshup::config {

absl::StatusOr<VirtualService> ParseVirtualService(const YamlNode& spec, const Origin& origin,
                                                   const Document& doc);
absl::StatusOr<DestinationRule> ParseDestinationRule(const YamlNode& spec, const Origin& origin,
                                                     const Document& doc);
absl::StatusOr<Workload> ParseWorkloadEntry(const YamlNode& spec, const Origin& origin,
                                            const Document& doc, absl::string_view path = "spec");
absl::StatusOr<ServiceEntry> ParseServiceEntry(const YamlNode& spec, const Origin& origin,
                                               const Document& doc);
absl::StatusOr<PeerAuthentication> ParsePeerAuthentication(const YamlNode& spec,
                                                           const Origin& origin,
                                                           const Document& doc);
absl::StatusOr<AuthorizationPolicy> ParseAuthorizationPolicy(const YamlNode& spec,
                                                             const Origin& origin,
                                                             const Document& doc);
absl::StatusOr<MeshConfig> ParseMeshConfig(const YamlNode& spec, const Origin& origin,
                                           const Document& doc);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_PARSERS_H_
