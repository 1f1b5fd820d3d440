#include "codegen/manifests/manifest_model.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/manifests/idl_files.h"

namespace meshup::manifests {

const ServiceModel* ManifestModel::Find(const std::string& name) const {
  for (const ServiceModel& service : services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

absl::StatusOr<ManifestModel> BuildManifestModel(const DeployFile& deploy,
                                                 const std::vector<codegen::FileView>& idl) {
  // The IDL's services by mesh name.
  std::map<std::string, std::pair<const codegen::ServiceView*, const codegen::FileView*>> by_name;
  for (const codegen::FileView& file : idl) {
    for (const codegen::ServiceView& service : file.services) {
      auto [it, inserted] = by_name.emplace(service.mesh_name, std::make_pair(&service, &file));
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(file.proto_path, ": service ", service.name, ": mesh name '",
                         service.mesh_name, "' is also the mesh name of ",
                         it->second.first->full_name, " in ", it->second.second->proto_path));
      }
    }
  }
  ManifestModel model;
  model.deploy_name = std::filesystem::path(deploy.path).filename().string();
  model.name = deploy.name;
  model.namespace_name = deploy.namespace_name;
  model.trust_domain = deploy.trust_domain;
  model.admin_port = deploy.admin_port;
  for (const DeployService& deployed : deploy.services) {
    ServiceModel service;
    service.name = deployed.name;
    service.grpc = deployed.protocol == DeployService::Protocol::kGrpc;
    service.port = deployed.port;
    service.service_account = deployed.service_account;
    service.calls = deployed.calls;
    std::sort(service.calls.begin(), service.calls.end());
    service.versions = deployed.versions;
    const std::string where =
        absl::StrCat(deployed.where.ToString(), ": service '", deployed.name, "': ");
    auto it = by_name.find(deployed.name);
    if (service.grpc) {
      if (it == by_name.end()) {
        std::vector<std::string> known;
        for (const auto& entry : by_name) known.push_back(entry.first);
        return absl::InvalidArgumentError(
            absl::StrCat(where, "no IDL service has this mesh name (spec.idl.files declare: ",
                         known.empty() ? "none" : absl::StrJoin(known, ", "),
                         "); a service without IDL needs protocol: http"));
      }
      const codegen::ServiceView& view = *it->second.first;
      service.idl = view;
      service.proto_path = it->second.second->proto_path;
      if (service.port == 0) service.port = view.port;
      if (service.port == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "port: the IDL sets no port for ", view.full_name,
                         "; set port in the deploy file or (meshup.service).port in the IDL"));
      }
      if (service.service_account.empty()) service.service_account = view.service_account;
      for (codegen::ServiceView::Caller caller : view.allowed_callers) {
        if (caller.namespace_name.empty()) caller.namespace_name = deploy.namespace_name;
        service.allowed_callers.push_back(std::move(caller));
      }
    } else {
      if (it != by_name.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "protocol: http, but the IDL declares ", it->second.first->full_name,
            " with this mesh name; drop protocol: http to serve it over gRPC"));
      }
      if (service.service_account.empty()) service.service_account = service.name;
    }
    model.services.push_back(std::move(service));
  }
  std::sort(model.services.begin(), model.services.end(),
            [](const ServiceModel& a, const ServiceModel& b) { return a.name < b.name; });
  return model;
}

absl::StatusOr<ManifestModel> LoadManifestModel(const std::string& deploy_path) {
  absl::StatusOr<DeployFile> deploy = LoadDeployFile(deploy_path);
  if (!deploy.ok()) return deploy.status();
  absl::StatusOr<std::vector<codegen::FileView>> idl =
      LoadIdlFiles(deploy->proto_paths, deploy->proto_files);
  if (!idl.ok()) return idl.status();
  return BuildManifestModel(*deploy, *idl);
}

}  // namespace meshup::manifests
