#include "codegen/manifests/deploy_file.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/yaml_fields.h"
#include "config/yaml_tree.h"
#include "names.h"
#include "re2/re2.h"
#include "status_macros.h"
#include "util/files.h"

namespace meshup::manifests {
namespace {

using config::Document;
using config::Fields;
using config::ReadInt;
using config::ReadString;
using config::ReadStringList;
using config::ReadStringMap;
using config::YamlNode;

constexpr absl::string_view kApiVersion = "meshup.dev/v1alpha1";
constexpr absl::string_view kKind = "Deploy";

DeployLocation LocationOf(const config::YamlNode& node, const Document& doc) {
  DeployLocation where;
  where.file = doc.file();
  if (node.IsDefined()) {
    where.line = node.mark().line + 1;
    where.column = node.mark().column + 1;
  }
  return where;
}

absl::Status CheckLabel(const std::string& value, const config::YamlNode& node,
                        absl::string_view path, const Document& doc) {
  if (internal::IsDns1123Label(value)) return absl::OkStatus();
  return doc.Error(node, path,
                   absl::StrCat("'", value,
                                "' is not a DNS-1123 label (lowercase letters, digits and '-', "
                                "at most 63)"));
}

// Kubernetes resource quantities as a Deployment takes them: "100m", "0.5",
// "64Mi", "1G".
absl::StatusOr<std::map<std::string, std::string>> ReadQuantities(const config::YamlNode& node,
                                                                  absl::string_view path,
                                                                  const Document& doc) {
  static const re2::RE2 kQuantity(R"([0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)");
  MESHUP_ASSIGN_OR_RETURN(auto quantities, ReadStringMap(node, path, doc));
  for (const auto& [resource, quantity] : quantities) {
    const std::string where = absl::StrCat(path, ".", resource);
    if (resource != "cpu" && resource != "memory" && resource != "ephemeral-storage") {
      return doc.Error(node.Find(resource), where,
                       "unknown resource; expected cpu, memory or ephemeral-storage");
    }
    if (!re2::RE2::FullMatch(quantity, kQuantity)) {
      return doc.Error(node.Find(resource), where,
                       absl::StrCat("'", quantity,
                                    "' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi)"));
    }
  }
  return quantities;
}

// The value of a quantity that matched ReadQuantities' pattern, in the
// resource's base unit, to compare a request with its limit.
long double QuantityValue(absl::string_view quantity) {
  static const std::pair<absl::string_view, long double> kSuffixes[] = {
      {"Ki", 1024.0L},
      {"Mi", 1048576.0L},
      {"Gi", 1073741824.0L},
      {"Ti", 1099511627776.0L},
      {"Pi", 1125899906842624.0L},
      {"Ei", 1152921504606846976.0L},
      {"m", 1e-3L},
      {"k", 1e3L},
      {"M", 1e6L},
      {"G", 1e9L},
      {"T", 1e12L},
      {"P", 1e15L},
      {"E", 1e18L}};
  long double scale = 1.0L;
  for (const auto& [suffix, factor] : kSuffixes) {
    if (absl::EndsWith(quantity, suffix)) {
      quantity.remove_suffix(suffix.size());
      scale = factor;
      break;
    }
  }
  return std::strtold(std::string(quantity).c_str(), nullptr) * scale;
}

// The defaults of the resources a version leaves out; a limit below its
// request is an error naming both.
absl::Status CompleteResources(DeployVersion& version, const config::YamlNode& resources,
                               absl::string_view path, const Document& doc) {
  version.requests.emplace("cpu", "100m");
  version.requests.emplace("memory", "64Mi");
  for (const auto& [resource, fallback] :
       std::map<std::string, std::string>{{"cpu", "1"}, {"memory", "256Mi"}}) {
    if (version.limits.count(resource) != 0) continue;
    const std::string& request = version.requests[resource];
    version.limits[resource] =
        QuantityValue(request) > QuantityValue(fallback) ? request : fallback;
  }
  for (const auto& [resource, limit] : version.limits) {
    auto request = version.requests.find(resource);
    if (request == version.requests.end()) continue;
    if (QuantityValue(request->second) > QuantityValue(limit)) {
      return doc.Error(resources.Find("limits").Find(resource),
                       absl::StrCat(path, ".limits.", resource),
                       absl::StrCat("limit ", limit, " is below the request ", request->second,
                                    " (", path, ".requests.", resource, ")"));
    }
  }
  return absl::OkStatus();
}

// Absolute, normalized paths, each once, apart from the runtime's own mounts.
absl::Status CheckWritablePaths(const std::vector<std::string>& paths, const config::YamlNode& node,
                                absl::string_view path, const Document& doc) {
  static const re2::RE2 kPath(R"((/[A-Za-z0-9._@+-]+)+)");
  static constexpr absl::string_view kRuntimeMounts[] = {"/etc/meshup/config",
                                                         "/var/run/meshup/identity"};
  std::set<std::string> seen;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& value = paths[i];
    const std::string where = absl::StrCat(path, "[", i, "]");
    const bool dot_component = absl::StrContains(absl::StrCat(value, "/"), "/./") ||
                               absl::StrContains(absl::StrCat(value, "/"), "/../");
    if (!re2::RE2::FullMatch(value, kPath) || dot_component) {
      return doc.Error(node[i], where,
                       absl::StrCat("'", value,
                                    "' is not an absolute path below / (like /tmp or "
                                    "/var/cache/app; no '.', '..' or trailing '/')"));
    }
    for (absl::string_view mount : kRuntimeMounts) {
      if (value == mount || absl::StartsWith(value, absl::StrCat(mount, "/")) ||
          absl::StartsWith(mount, absl::StrCat(value, "/"))) {
        return doc.Error(node[i], where,
                         absl::StrCat("'", value, "' overlaps ", mount,
                                      ", which the generated manifests mount for the runtime"));
      }
    }
    if (!seen.insert(value).second) {
      return doc.Error(node[i], where, absl::StrCat("'", value, "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<DeployVersion> ReadVersion(const config::YamlNode& node, const std::string& path,
                                          const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  DeployVersion version;
  version.where = LocationOf(node, doc);
  YamlNode name = fields.Get("name");
  if (!name.IsDefined()) return doc.Error(node, fields.Path("name"), "a version name is required");
  MESHUP_ASSIGN_OR_RETURN(version.name, ReadString(name, fields.Path("name"), doc));
  MESHUP_RETURN_IF_ERROR(CheckLabel(version.name, name, fields.Path("name"), doc));
  if (YamlNode replicas = fields.Get("replicas"); replicas.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(int64_t count,
                            ReadInt(replicas, fields.Path("replicas"), doc, 0, 1000));
    version.replicas = static_cast<int>(count);
  }
  YamlNode image = fields.Get("image");
  if (!image.IsDefined()) return doc.Error(node, fields.Path("image"), "an image is required");
  MESHUP_ASSIGN_OR_RETURN(version.image, ReadString(image, fields.Path("image"), doc));
  if (version.image.empty() || std::any_of(version.image.begin(), version.image.end(), [](char c) {
        return absl::ascii_isspace(c) || absl::ascii_iscntrl(c);
      })) {
    return doc.Error(image, fields.Path("image"),
                     absl::StrCat("'", version.image, "' is not an image reference"));
  }
  YamlNode env = fields.Get("env");
  MESHUP_ASSIGN_OR_RETURN(version.env, ReadStringMap(env, fields.Path("env"), doc));
  static const re2::RE2 kEnvName("[A-Za-z_][A-Za-z0-9_]*");
  for (const auto& [key, value] : version.env) {
    const std::string where = absl::StrCat(fields.Path("env"), ".", key);
    if (!re2::RE2::FullMatch(key, kEnvName)) {
      return doc.Error(env.Find(key), where,
                       "not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (absl::StartsWith(key, "MESHUP_")) {
      return doc.Error(env.Find(key), where,
                       "MESHUP_* variables are set by the generated manifests from the deploy "
                       "file; set the field they come from instead");
    }
  }
  YamlNode resources = fields.Get("resources");
  Fields resource_fields(resources, fields.Path("resources"), doc);
  MESHUP_RETURN_IF_ERROR(resource_fields.status());
  MESHUP_ASSIGN_OR_RETURN(version.requests, ReadQuantities(resource_fields.Get("requests"),
                                                           resource_fields.Path("requests"), doc));
  MESHUP_ASSIGN_OR_RETURN(version.limits, ReadQuantities(resource_fields.Get("limits"),
                                                         resource_fields.Path("limits"), doc));
  MESHUP_RETURN_IF_ERROR(resource_fields.CheckAllRead());
  MESHUP_RETURN_IF_ERROR(CompleteResources(version, resources, fields.Path("resources"), doc));
  if (YamlNode user = fields.Get("runAsUser"); user.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(version.run_as_user,
                            ReadInt(user, fields.Path("runAsUser"), doc, 0, 2147483647));
    if (version.run_as_user == 0) {
      return doc.Error(user, fields.Path("runAsUser"),
                       "0 is root; the Pod Security \"restricted\" profile the manifests meet "
                       "runs no container as root: use a non-zero user ID");
    }
  }
  if (YamlNode writable = fields.Get("writablePaths"); writable.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(version.writable_paths,
                            ReadStringList(writable, fields.Path("writablePaths"), doc));
    MESHUP_RETURN_IF_ERROR(
        CheckWritablePaths(version.writable_paths, writable, fields.Path("writablePaths"), doc));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return version;
}

absl::StatusOr<DeployService> ReadService(const config::YamlNode& node, const std::string& path,
                                          const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  DeployService service;
  service.where = LocationOf(node, doc);
  YamlNode name = fields.Get("name");
  if (!name.IsDefined()) return doc.Error(node, fields.Path("name"), "a service name is required");
  MESHUP_ASSIGN_OR_RETURN(service.name, ReadString(name, fields.Path("name"), doc));
  MESHUP_RETURN_IF_ERROR(CheckLabel(service.name, name, fields.Path("name"), doc));
  if (YamlNode protocol = fields.Get("protocol"); protocol.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(std::string text, ReadString(protocol, fields.Path("protocol"), doc));
    if (text == "grpc") {
      service.protocol = DeployService::Protocol::kGrpc;
    } else if (text == "http") {
      service.protocol = DeployService::Protocol::kHttp;
    } else {
      return doc.Error(protocol, fields.Path("protocol"),
                       absl::StrCat("'", text, "'; expected grpc or http"));
    }
  }
  if (YamlNode port = fields.Get("port"); port.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(int64_t number, ReadInt(port, fields.Path("port"), doc, 1, 65535));
    service.port = static_cast<uint32_t>(number);
  }
  if (service.protocol == DeployService::Protocol::kHttp && service.port == 0) {
    return doc.Error(node, fields.Path("port"), "an http service needs a port");
  }
  if (YamlNode sa = fields.Get("serviceAccount"); sa.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(service.service_account,
                            ReadString(sa, fields.Path("serviceAccount"), doc));
    MESHUP_RETURN_IF_ERROR(
        CheckLabel(service.service_account, sa, fields.Path("serviceAccount"), doc));
  }
  YamlNode calls = fields.Get("calls");
  service.calls_where = LocationOf(calls, doc);
  MESHUP_ASSIGN_OR_RETURN(service.calls, ReadStringList(calls, fields.Path("calls"), doc));
  YamlNode versions = fields.Get("versions");
  MESHUP_RETURN_IF_ERROR(config::CheckSequence(versions, fields.Path("versions"), doc));
  if (!versions.IsDefined() || versions.size() == 0) {
    return doc.Error(node, fields.Path("versions"), "at least one version is required");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < versions.size(); ++i) {
    const std::string version_path = absl::StrCat(fields.Path("versions"), "[", i, "]");
    MESHUP_ASSIGN_OR_RETURN(DeployVersion version, ReadVersion(versions[i], version_path, doc));
    if (!seen.insert(version.name).second) {
      return doc.Error(versions[i], version_path + ".name",
                       absl::StrCat("version '", version.name, "' is listed twice"));
    }
    service.versions.push_back(std::move(version));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return service;
}

absl::StatusOr<DeployFile> ReadDeploy(const config::YamlNode& root, const std::string& display_name,
                                      const std::string& directory) {
  Document doc(display_name, /*warnings=*/nullptr);
  Fields top(root, "", doc);
  MESHUP_RETURN_IF_ERROR(top.status());
  MESHUP_ASSIGN_OR_RETURN(std::string api_version,
                          ReadString(top.Get("apiVersion"), "apiVersion", doc));
  MESHUP_ASSIGN_OR_RETURN(std::string kind, ReadString(top.Get("kind"), "kind", doc));
  if (api_version != kApiVersion || kind != kKind) {
    return doc.Error(root, "kind",
                     absl::StrCat("expected apiVersion ", kApiVersion, " and kind ", kKind,
                                  ", found ", api_version, " ", kind));
  }
  DeployFile deploy;
  deploy.path = display_name;
  Fields metadata(top.Get("metadata"), "metadata", doc);
  MESHUP_RETURN_IF_ERROR(metadata.status());
  YamlNode name = metadata.Get("name");
  if (!name.IsDefined()) return doc.Error(root, "metadata.name", "a name is required");
  MESHUP_ASSIGN_OR_RETURN(deploy.name, ReadString(name, "metadata.name", doc));
  MESHUP_RETURN_IF_ERROR(CheckLabel(deploy.name, name, "metadata.name", doc));
  if (YamlNode ns = metadata.Get("namespace"); ns.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(deploy.namespace_name, ReadString(ns, "metadata.namespace", doc));
    MESHUP_RETURN_IF_ERROR(CheckLabel(deploy.namespace_name, ns, "metadata.namespace", doc));
  }
  MESHUP_RETURN_IF_ERROR(metadata.CheckAllRead());
  doc.set_subject(absl::StrCat(kKind, " ", deploy.namespace_name, "/", deploy.name));

  const YamlNode spec_node = top.Get("spec");
  MESHUP_RETURN_IF_ERROR(top.CheckAllRead());
  Fields spec(spec_node, "spec", doc);
  MESHUP_RETURN_IF_ERROR(spec.status());
  if (YamlNode td = spec.Get("trustDomain"); td.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(deploy.trust_domain, ReadString(td, spec.Path("trustDomain"), doc));
    static const re2::RE2 kDomain(R"([a-z0-9]([a-z0-9.-]*[a-z0-9])?)");
    if (!re2::RE2::FullMatch(deploy.trust_domain, kDomain)) {
      return doc.Error(td, spec.Path("trustDomain"),
                       absl::StrCat("'", deploy.trust_domain, "' is not a trust domain"));
    }
  }
  if (YamlNode admin = spec.Get("adminPort"); admin.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(int64_t port, ReadInt(admin, spec.Path("adminPort"), doc, 1, 65535));
    deploy.admin_port = static_cast<uint32_t>(port);
  }
  YamlNode idl_node = spec.Get("idl");
  Fields idl(idl_node, spec.Path("idl"), doc);
  MESHUP_RETURN_IF_ERROR(idl.status());
  MESHUP_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                          ReadStringList(idl.Get("protoPaths"), idl.Path("protoPaths"), doc));
  for (const std::string& path : paths) {
    deploy.proto_paths.push_back(std::filesystem::path(path).is_absolute()
                                     ? path
                                     : (std::filesystem::path(directory) / path).string());
  }
  YamlNode files = idl.Get("files");
  MESHUP_ASSIGN_OR_RETURN(deploy.proto_files, ReadStringList(files, idl.Path("files"), doc));
  MESHUP_RETURN_IF_ERROR(idl.CheckAllRead());

  YamlNode services = spec.Get("services");
  MESHUP_RETURN_IF_ERROR(config::CheckSequence(services, spec.Path("services"), doc));
  if (!services.IsDefined() || services.size() == 0) {
    return doc.Error(spec_node, spec.Path("services"), "at least one service is required");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < services.size(); ++i) {
    const std::string path = absl::StrCat(spec.Path("services"), "[", i, "]");
    MESHUP_ASSIGN_OR_RETURN(DeployService service, ReadService(services[i], path, doc));
    if (!seen.insert(service.name).second) {
      return doc.Error(services[i], path + ".name",
                       absl::StrCat("service '", service.name, "' is listed twice"));
    }
    deploy.services.push_back(std::move(service));
  }
  for (size_t i = 0; i < services.size(); ++i) {
    const DeployService& service = deploy.services[i];
    for (size_t j = 0; j < service.calls.size(); ++j) {
      if (seen.count(service.calls[j]) == 0) {
        return doc.Error(services[i].Find("calls")[j],
                         absl::StrCat(spec.Path("services"), "[", i, "].calls[", j, "]"),
                         absl::StrCat("'", service.calls[j], "' is not a service of this file"));
      }
    }
  }
  MESHUP_RETURN_IF_ERROR(spec.CheckAllRead());
  return deploy;
}

}  // namespace

std::string DeployLocation::ToString() const {
  if (line == 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

absl::StatusOr<DeployFile> ParseDeployFile(const std::string& display_name,
                                           const std::string& directory, const std::string& text) {
  if (text.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(display_name, ": not a text file"));
  }
  MESHUP_ASSIGN_OR_RETURN(config::YamlStream stream, config::ParseYaml(text, display_name));
  if (stream.size() == 0 || stream.document(0).IsNull()) {
    return absl::InvalidArgumentError(absl::StrCat(display_name, ": the deploy file is empty"));
  }
  if (stream.size() > 1) {
    const config::YamlMark at = stream.document_start(1);
    return absl::InvalidArgumentError(absl::StrCat(
        display_name, ":", at.line + 1, ":", at.column + 1, ": a deploy file holds one document"));
  }
  return ReadDeploy(stream.document(0), display_name, directory);
}

absl::StatusOr<DeployFile> LoadDeployFile(const std::string& path) {
  MESHUP_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path));
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  return ParseDeployFile(path, directory, text);
}

}  // namespace meshup::manifests
