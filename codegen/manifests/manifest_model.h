// What `meshup manifests` renders: the deploy file joined with the IDL.
//
// BuildManifestModel() matches each deployed service with the IDL service of
// the same mesh name (gRPC services must have one; HTTP services have none),
// fills in what the deploy file leaves to the IDL (port, service account),
// and sorts services by name, so that output is the same for the same input.
// Errors name the deploy file, line and field.
#ifndef MESHUP_CODEGEN_MANIFESTS_MANIFEST_MODEL_H_
#define MESHUP_CODEGEN_MANIFESTS_MANIFEST_MODEL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "codegen/manifests/deploy_file.h"
#include "codegen/view_model.h"

namespace meshup::manifests {

struct ServiceModel {
  std::string name;  // mesh name: the `app` label and the Kubernetes Service name
  bool grpc = true;
  uint32_t port = 0;
  std::string service_account;
  std::vector<std::string> calls;  // sorted mesh names
  std::vector<DeployVersion> versions;
  // The IDL, for gRPC services: the service and the file that declares it.
  std::optional<codegen::ServiceView> idl;
  std::string proto_path;
  // The IDL's allowed callers, namespaces filled in.
  std::vector<codegen::ServiceView::Caller> allowed_callers;
};

struct ManifestModel {
  std::string deploy_name;  // the deploy file's name without directories, for comments
  std::string name;         // metadata.name
  std::string namespace_name;
  std::string trust_domain;
  uint32_t admin_port = 15000;
  std::vector<ServiceModel> services;  // sorted by name

  const ServiceModel* Find(const std::string& name) const;
};

absl::StatusOr<ManifestModel> BuildManifestModel(const DeployFile& deploy,
                                                 const std::vector<codegen::FileView>& idl);

// Reads the deploy file and the IDL it names, and joins them.
absl::StatusOr<ManifestModel> LoadManifestModel(const std::string& deploy_path);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_MANIFEST_MODEL_H_
