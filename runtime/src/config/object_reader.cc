#include "config/object_reader.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/parse_common.h"
#include "config/parsers.h"
#include "config/yaml_fields.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

constexpr absl::string_view kNetworkingVersions[] = {
    "networking.istio.io/v1alpha3", "networking.istio.io/v1beta1", "networking.istio.io/v1"};
constexpr absl::string_view kMeshVersion = "meshup.dev/v1alpha1";
constexpr absl::string_view kSecurityVersions[] = {"security.istio.io/v1beta1",
                                                   "security.istio.io/v1"};

bool IsNetworkingVersion(absl::string_view version) {
  return std::find(std::begin(kNetworkingVersions), std::end(kNetworkingVersions), version) !=
         std::end(kNetworkingVersions);
}

// What names a document's object: apiVersion, kind, metadata.name and
// namespace (into `origin`, with the file and line; the document's subject is
// set from them). `metadata` is left for the caller to read further.
absl::Status ReadIdentity(const YamlNode& root, Fields& top, Fields& metadata, Document& doc,
                          std::string& api_version, Origin& origin) {
  MESHUP_ASSIGN_OR_RETURN(api_version, ReadString(top.Get("apiVersion"), "apiVersion", doc));
  MESHUP_ASSIGN_OR_RETURN(origin.kind, ReadString(top.Get("kind"), "kind", doc));
  MESHUP_RETURN_IF_ERROR(metadata.status());
  origin.file = doc.file();
  origin.line = doc.Line(root);
  MESHUP_ASSIGN_OR_RETURN(origin.name, ReadString(metadata.Get("name"), "metadata.name", doc));
  origin.namespace_name = "default";
  if (YamlNode ns = metadata.Get("namespace"); ns.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(origin.namespace_name, ReadString(ns, "metadata.namespace", doc));
  }
  doc.set_subject(absl::StrCat(origin.kind, " ", origin.namespace_name, "/", origin.name));
  if (origin.name.empty()) return doc.Error(root, "metadata.name", "a name is required");
  return absl::OkStatus();
}

// Reads one document into `snapshot`. A Mesh document's position goes to
// `mesh_mark`, for the check across files.
absl::Status LoadDocument(const YamlNode& root, const std::string& file, Snapshot& snapshot,
                          YamlMark* mesh_mark) {
  Document doc(file, &snapshot.warnings);
  Fields top(root, "", doc);
  MESHUP_RETURN_IF_ERROR(top.status());
  Fields metadata(top.Get("metadata"), "metadata", doc);
  std::string api_version;
  Origin origin;
  MESHUP_RETURN_IF_ERROR(ReadIdentity(root, top, metadata, doc, api_version, origin));
  const std::string& kind = origin.kind;
  metadata.Get("labels");  // Kubernetes metadata: meaningful to tools, not to routing
  metadata.Get("annotations");
  if (YamlNode created = metadata.Get("creationTimestamp");
      created.IsDefined() && !created.IsNull()) {
    MESHUP_ASSIGN_OR_RETURN(origin.created,
                            ReadTimestamp(created, "metadata.creationTimestamp", doc));
  }
  MESHUP_RETURN_IF_ERROR(
      metadata.CheckAllRead({"uid", "resourceVersion", "generation", "managedFields", "selfLink",
                             "finalizers", "ownerReferences"}));

  const YamlNode spec = top.Get("spec");
  if (!spec.IsDefined()) return doc.Error(root, "spec", "spec is required");
  MESHUP_RETURN_IF_ERROR(top.CheckAllRead({"status"}));

  const bool networking = IsNetworkingVersion(api_version);
  const bool security = std::find(std::begin(kSecurityVersions), std::end(kSecurityVersions),
                                  api_version) != std::end(kSecurityVersions);
  if (kind == "Mesh" && api_version == kMeshVersion) {
    MESHUP_ASSIGN_OR_RETURN(MeshConfig mesh, ParseMeshConfig(spec, origin, doc));
    if (!snapshot.mesh.origin.file.empty()) {
      return doc.Error(root, "",
                       absl::StrCat("a second Mesh document; the first is at ",
                                    snapshot.mesh.origin.ToString()));
    }
    snapshot.mesh = std::move(mesh);
    if (mesh_mark != nullptr) *mesh_mark = root.mark();
  } else if (kind == "VirtualService" && networking) {
    MESHUP_ASSIGN_OR_RETURN(VirtualService vs, ParseVirtualService(spec, origin, doc));
    snapshot.virtual_services.push_back(std::move(vs));
  } else if (kind == "DestinationRule" && networking) {
    MESHUP_ASSIGN_OR_RETURN(DestinationRule rule, ParseDestinationRule(spec, origin, doc));
    snapshot.destination_rules.push_back(std::move(rule));
  } else if (kind == "ServiceEntry" && networking) {
    MESHUP_ASSIGN_OR_RETURN(ServiceEntry entry, ParseServiceEntry(spec, origin, doc));
    snapshot.service_entries.push_back(std::move(entry));
  } else if (kind == "WorkloadEntry" && networking) {
    MESHUP_ASSIGN_OR_RETURN(Workload workload, ParseWorkloadEntry(spec, origin, doc));
    snapshot.workload_entries.push_back(std::move(workload));
  } else if (kind == "PeerAuthentication" && security) {
    MESHUP_ASSIGN_OR_RETURN(PeerAuthentication policy, ParsePeerAuthentication(spec, origin, doc));
    snapshot.peer_authentications.push_back(std::move(policy));
  } else if (kind == "AuthorizationPolicy" && security) {
    MESHUP_ASSIGN_OR_RETURN(AuthorizationPolicy policy,
                            ParseAuthorizationPolicy(spec, origin, doc));
    snapshot.authorization_policies.push_back(std::move(policy));
  } else if (kind == "PeerAuthentication" || kind == "AuthorizationPolicy") {
    return doc.Error(top.Get("apiVersion"), "apiVersion",
                     absl::StrCat("'", api_version, "' is not an apiVersion of ", kind, " (use ",
                                  absl::StrJoin(kSecurityVersions, ", "), ")"));
  } else if (kind == "VirtualService" || kind == "DestinationRule" || kind == "ServiceEntry" ||
             kind == "WorkloadEntry" || kind == "Mesh") {
    return doc.Error(top.Get("apiVersion"), "apiVersion",
                     absl::StrCat("'", api_version, "' is not an apiVersion of ", kind, " (use ",
                                  kind == "Mesh" ? std::string(kMeshVersion)
                                                 : absl::StrJoin(kNetworkingVersions, ", "),
                                  ")"));
  } else {
    return doc.Error(top.Get("kind"), "kind",
                     absl::StrCat("kind '", kind, "' (", api_version,
                                  ") is not supported; MeshUp reads VirtualService, "
                                  "DestinationRule, ServiceEntry, WorkloadEntry, "
                                  "PeerAuthentication, AuthorizationPolicy and Mesh"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadFile(const ConfigFile& file, Snapshot& snapshot, YamlMark* mesh_mark) {
  MESHUP_RETURN_IF_ERROR(ForEachDocument(file, [&](const YamlNode& root, const DocumentText&) {
    return LoadDocument(root, file.name, snapshot, mesh_mark);
  }));
  snapshot.files.push_back(file.name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ObjectText>> ReadObjects(const ConfigFile& file) {
  MESHUP_RETURN_IF_ERROR(CheckText(file));
  std::vector<ObjectText> objects;
  for (const DocumentText& part : SplitDocuments(file.text)) {
    Snapshot scratch;
    ConfigFile one{file.name, absl::StrCat(std::string(part.first_line, '\n'), part.text)};
    MESHUP_RETURN_IF_ERROR(LoadFile(one, scratch));
    const Origin* origin = nullptr;
    if (!scratch.virtual_services.empty()) origin = &scratch.virtual_services.front().origin;
    if (!scratch.destination_rules.empty()) origin = &scratch.destination_rules.front().origin;
    if (!scratch.service_entries.empty()) origin = &scratch.service_entries.front().origin;
    if (!scratch.workload_entries.empty()) origin = &scratch.workload_entries.front().origin;
    if (!scratch.peer_authentications.empty()) {
      origin = &scratch.peer_authentications.front().origin;
    }
    if (!scratch.authorization_policies.empty()) {
      origin = &scratch.authorization_policies.front().origin;
    }
    if (!scratch.mesh.origin.file.empty()) origin = &scratch.mesh.origin;
    if (origin == nullptr) continue;  // an empty document
    objects.push_back({origin->kind, origin->namespace_name, origin->name, std::string(part.text)});
  }
  return objects;
}

absl::StatusOr<std::vector<ObjectText>> ReadObjectNames(const ConfigFile& file) {
  std::vector<ObjectText> objects;
  MESHUP_RETURN_IF_ERROR(ForEachDocument(file, [&](const YamlNode& root, const DocumentText& part) {
    Document doc(file.name, nullptr);
    Fields top(root, "", doc);
    MESHUP_RETURN_IF_ERROR(top.status());
    Fields metadata(top.Get("metadata"), "metadata", doc);
    std::string api_version;
    Origin origin;
    MESHUP_RETURN_IF_ERROR(ReadIdentity(root, top, metadata, doc, api_version, origin));
    objects.push_back({origin.kind, origin.namespace_name, origin.name, std::string(part.text)});
    return absl::OkStatus();
  }));
  return objects;
}

}  // namespace meshup::config
