// The kubernetes target: the base (workloads, Services, ServiceAccounts, the
// runtime's configuration, a kustomization) and the overlay for the embedded
// mesh, side by side so that the overlay is not inside its own base.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "codegen/manifests/targets.h"

namespace meshup::manifests {
namespace {

using kainjow::mustache::data;

constexpr absl::string_view kBase = "kubernetes/base";
constexpr absl::string_view kEmbedded = "kubernetes/overlays/embedded";

// `text` as the body of a `|` block scalar, indented four spaces.
std::string BlockText(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out.push_back('\n');
    if (!lines[i].empty()) absl::StrAppend(&out, "    ", lines[i]);
  }
  return out;
}

data NameValues(const std::map<std::string, std::string>& values, bool quote) {
  data list = data::type::list;
  for (const auto& [name, value] : values) {
    data item;
    item.set("name", name);
    item.set("value", quote ? YamlQuote(value) : value);
    list.push_back(item);
  }
  return list;
}

data PathList(const std::vector<std::string>& paths) {
  data list = data::type::list;
  for (const std::string& path : paths) list.push_back(data("path", path));
  return list;
}

data Common(const ManifestModel& model, const std::string& source) {
  data d;
  d.set("source", source);
  d.set("namespace", model.namespace_name);
  d.set("trust_domain", model.trust_domain);
  d.set("admin_port", std::to_string(model.admin_port));
  return d;
}

absl::Status Add(OutputFiles& out, const codegen::TemplateSource& templates,
                 absl::string_view template_name, const data& d, const std::string& path) {
  absl::StatusOr<std::string> text = RenderYaml(templates, template_name, d, path);
  if (!text.ok()) return text.status();
  out[path] = *std::move(text);
  return absl::OkStatus();
}

absl::Status AddConfigMap(const ManifestModel& model, const codegen::TemplateSource& templates,
                          const std::vector<std::pair<std::string, std::string>>& files,
                          const std::string& path, OutputFiles& out) {
  data d = Common(model, model.deploy_name);
  data list = data::type::list;
  for (const auto& [name, text] : files) {
    data item;
    item.set("name", name);
    item.set("text", BlockText(text));
    list.push_back(item);
  }
  d.set("files", list);
  return Add(out, templates, "k8s/config_map.mustache", d, path);
}

}  // namespace

absl::Status RenderKubernetes(const ManifestModel& model, const codegen::TemplateSource& templates,
                              OutputFiles& out) {
  // The DNS registry serves every service on one port.
  uint32_t grpc_port = 0;
  for (const ServiceModel& service : model.services) {
    if (!service.grpc) continue;
    if (grpc_port != 0 && service.port != grpc_port) {
      return absl::InvalidArgumentError(absl::StrCat(
          model.deploy_name, ": service '", service.name, "' serves on port ", service.port,
          " but another gRPC service on ", grpc_port,
          "; the embedded runtime's dns registry needs one port for every gRPC service"));
    }
    grpc_port = service.port;
  }
  std::vector<std::string> resources;
  std::set<std::string> accounts;
  for (const ServiceModel& service : model.services) {
    accounts.insert(service.service_account);
    const std::string source = SourceOf(model, service);
    data d = Common(model, source);
    d.set("service", service.name);
    d.set("port", std::to_string(service.port));
    d.set("port_name", service.grpc ? "grpc" : "http");
    d.set("service_account", service.service_account);
    data version_names = data::type::list;
    for (const DeployVersion& version : service.versions) {
      version_names.push_back(data("version", version.name));
    }
    d.set("versions", version_names);
    const std::string service_path = absl::StrCat(service.name, "-service.yaml");
    if (absl::Status s =
            Add(out, templates, "k8s/service.mustache", d, absl::StrCat(kBase, "/", service_path));
        !s.ok()) {
      return s;
    }
    resources.push_back(service_path);
    for (const DeployVersion& version : service.versions) {
      data v = d;
      v.set("version", version.name);
      v.set("replicas", std::to_string(version.replicas));
      v.set("image", version.image);
      v.set("image_quoted", YamlQuote(version.image));
      v.set("env", NameValues(version.env, /*quote=*/true));
      v.set("requests", NameValues(version.requests, /*quote=*/true));
      v.set("limits", NameValues(version.limits, /*quote=*/true));
      v.set("run_as_user", std::to_string(version.run_as_user));
      data writable = data::type::list;
      for (size_t i = 0; i < version.writable_paths.size(); ++i) {
        data item;
        item.set("volume", absl::StrCat("writable-", i));
        item.set("path", YamlQuote(version.writable_paths[i]));
        writable.push_back(item);
      }
      v.set("writable", writable);
      const std::string path = absl::StrCat(service.name, "-", version.name, "-deployment.yaml");
      if (absl::Status s =
              Add(out, templates, "k8s/deployment.mustache", v, absl::StrCat(kBase, "/", path));
          !s.ok()) {
        return s;
      }
      resources.push_back(path);
    }
  }
  data sa = Common(model, model.deploy_name);
  data sa_list = data::type::list;
  for (const std::string& account : accounts) sa_list.push_back(data("name", account));
  sa.set("service_accounts", sa_list);
  if (absl::Status s = Add(out, templates, "k8s/service_accounts.mustache", sa,
                           absl::StrCat(kBase, "/service-accounts.yaml"));
      !s.ok()) {
    return s;
  }
  resources.push_back("service-accounts.yaml");

  data mesh = Common(model, model.deploy_name);
  mesh.set("port", std::to_string(grpc_port));
  absl::StatusOr<std::string> mesh_yaml = RenderYaml(
      templates, "k8s/mesh.mustache", mesh, absl::StrCat(kBase, "/meshup-config.yaml mesh.yaml"));
  if (!mesh_yaml.ok()) return mesh_yaml.status();
  if (absl::Status s = AddConfigMap(model, templates, {{"mesh.yaml", *mesh_yaml}},
                                    absl::StrCat(kBase, "/meshup-config.yaml"), out);
      !s.ok()) {
    return s;
  }
  resources.push_back("meshup-config.yaml");
  std::sort(resources.begin(), resources.end());
  data kustomization = Common(model, model.deploy_name);
  kustomization.set("dir", std::string(kBase));
  kustomization.set("has_base", Bool(false));
  kustomization.set("base", "");
  kustomization.set("patches", PathList({}));
  kustomization.set("resources", PathList(resources));
  if (absl::Status s = Add(out, templates, "k8s/kustomization.mustache", kustomization,
                           absl::StrCat(kBase, "/kustomization.yaml"));
      !s.ok()) {
    return s;
  }

  // The overlay for the embedded mesh: no sidecar, the runtime does it all.
  std::vector<std::string> patches;
  std::string policies;
  for (const ServiceModel& service : model.services) {
    data d = Common(model, SourceOf(model, service));
    d.set("service", service.name);
    d.set("service_account", service.service_account);
    d.set("secret", absl::StrCat(service.service_account, "-identity"));
    const std::string headless = absl::StrCat(service.name, "-headless.yaml");
    if (absl::Status s = Add(out, templates, "k8s/headless_patch.mustache", d,
                             absl::StrCat(kEmbedded, "/", headless));
        !s.ok()) {
      return s;
    }
    patches.push_back(headless);
    for (const DeployVersion& version : service.versions) {
      data v = d;
      v.set("version", version.name);
      const std::string identity = absl::StrCat(service.name, "-", version.name, "-identity.yaml");
      if (absl::Status s = Add(out, templates, "k8s/identity_patch.mustache", v,
                               absl::StrCat(kEmbedded, "/", identity));
          !s.ok()) {
        return s;
      }
      patches.push_back(identity);
    }
    absl::StatusOr<std::string> istio = RenderIstioService(model, service, templates);
    if (!istio.ok()) return istio.status();
    absl::StrAppend(&policies, policies.empty() ? "" : "---\n", *istio);
  }
  if (absl::Status s = AddConfigMap(model, templates, {{"policies.yaml", policies}},
                                    absl::StrCat(kEmbedded, "/meshup-config.yaml"), out);
      !s.ok()) {
    return s;
  }
  patches.push_back("meshup-config.yaml");
  std::sort(patches.begin(), patches.end());
  kustomization.set("dir", std::string(kEmbedded));
  kustomization.set("has_base", Bool(true));
  kustomization.set("base", "../../base");
  kustomization.set("patches", PathList(patches));
  kustomization.set("resources", PathList({}));
  return Add(out, templates, "k8s/kustomization.mustache", kustomization,
             absl::StrCat(kEmbedded, "/kustomization.yaml"));
}

}  // namespace meshup::manifests
