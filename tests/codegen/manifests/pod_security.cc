#include "pod_security.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace meshup::manifests {
namespace {

// The value at `node[key]` as text, or "" when absent.
std::string Text(const YAML::Node& node, const char* key) {
  if (!node.IsMap() || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>();
}

YAML::Node Child(const YAML::Node& node, const char* key) {
  if (!node.IsMap() || !node[key]) return YAML::Node();
  return node[key];
}

void CheckContainer(const YAML::Node& pod_spec, const YAML::Node& container, const std::string& at,
                    const std::set<std::string>& empty_dirs, std::vector<std::string>& out) {
  const YAML::Node pod_context = Child(pod_spec, "securityContext");
  const YAML::Node context = Child(container, "securityContext");
  auto fail = [&](const std::string& field, const std::string& what) {
    out.push_back(absl::StrCat(at, ".", field, ": ", what));
  };
  // baseline
  if (Text(context, "privileged") == "true") fail("securityContext.privileged", "must not be true");
  if (const YAML::Node ports = Child(container, "ports"); ports.IsSequence()) {
    for (const YAML::Node& port : ports) {
      if (port["hostPort"] && port["hostPort"].as<std::string>() != "0") {
        fail("ports.hostPort", "must not be set");
      }
    }
  }
  if (!Text(context, "procMount").empty() && Text(context, "procMount") != "Default") {
    fail("securityContext.procMount", "must be Default");
  }
  // restricted
  if (Text(context, "allowPrivilegeEscalation") != "false") {
    fail("securityContext.allowPrivilegeEscalation", "must be false");
  }
  const std::string non_root = !Text(context, "runAsNonRoot").empty()
                                   ? Text(context, "runAsNonRoot")
                                   : Text(pod_context, "runAsNonRoot");
  if (non_root != "true") fail("securityContext.runAsNonRoot", "must be true (pod or container)");
  if (Text(context, "runAsUser") == "0") fail("securityContext.runAsUser", "must not be 0");
  const std::string seccomp = Child(context, "seccompProfile").IsMap()
                                  ? Text(Child(context, "seccompProfile"), "type")
                                  : Text(Child(pod_context, "seccompProfile"), "type");
  if (seccomp != "RuntimeDefault" && seccomp != "Localhost") {
    fail("securityContext.seccompProfile.type", "must be RuntimeDefault or Localhost");
  }
  const YAML::Node capabilities = Child(context, "capabilities");
  bool drops_all = false;
  if (const YAML::Node drop = Child(capabilities, "drop"); drop.IsSequence()) {
    for (const YAML::Node& name : drop) drops_all |= name.as<std::string>() == "ALL";
  }
  if (!drops_all) fail("securityContext.capabilities.drop", "must include ALL");
  if (const YAML::Node add = Child(capabilities, "add"); add.IsSequence()) {
    for (const YAML::Node& name : add) {
      if (name.as<std::string>() != "NET_BIND_SERVICE") {
        fail("securityContext.capabilities.add",
             absl::StrCat("may not add ", name.as<std::string>()));
      }
    }
  }
  // MeshUp's own promises.
  if (Text(context, "readOnlyRootFilesystem") != "true") {
    fail("securityContext.readOnlyRootFilesystem", "must be true");
  }
  if (const YAML::Node mounts = Child(container, "volumeMounts"); mounts.IsSequence()) {
    for (const YAML::Node& mount : mounts) {
      if (Text(mount, "readOnly") == "true") continue;
      if (empty_dirs.count(Text(mount, "name")) == 0) {
        fail("volumeMounts",
             absl::StrCat(Text(mount, "mountPath"), " is writable but not an emptyDir volume"));
      }
    }
  }
  const YAML::Node resources = Child(container, "resources");
  for (const char* kind : {"requests", "limits"}) {
    for (const char* resource : {"cpu", "memory"}) {
      if (Text(Child(resources, kind), resource).empty()) {
        fail(absl::StrCat("resources.", kind, ".", resource), "must be set");
      }
    }
  }
}

}  // namespace

std::vector<std::string> RestrictedViolations(const YAML::Node& pod_spec) {
  std::vector<std::string> out;
  if (!pod_spec.IsMap()) return {"not a pod spec"};
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (Text(pod_spec, host) == "true") out.push_back(absl::StrCat(host, ": must not be true"));
  }
  const std::set<std::string> allowed_volumes = {"configMap", "csi",       "downwardAPI",
                                                 "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                                 "projected", "secret"};
  std::set<std::string> empty_dirs;
  if (const YAML::Node volumes = Child(pod_spec, "volumes"); volumes.IsSequence()) {
    for (const YAML::Node& volume : volumes) {
      for (const auto& entry : volume) {
        const std::string key = entry.first.as<std::string>();
        if (key == "name") continue;
        if (allowed_volumes.count(key) == 0) {
          out.push_back(
              absl::StrCat("volumes.", Text(volume, "name"), ": type ", key, " is not allowed"));
        }
        if (key == "emptyDir") empty_dirs.insert(Text(volume, "name"));
      }
    }
  }
  if (Text(Child(pod_spec, "securityContext"), "runAsUser") == "0") {
    out.push_back("securityContext.runAsUser: must not be 0");
  }
  int count = 0;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    const YAML::Node containers = Child(pod_spec, list);
    if (!containers.IsSequence()) continue;
    for (size_t i = 0; i < containers.size(); ++i, ++count) {
      CheckContainer(pod_spec, containers[i], absl::StrCat(list, "[", i, "]"), empty_dirs, out);
    }
  }
  if (count == 0) out.push_back("containers: none");
  return out;
}

}  // namespace meshup::manifests
