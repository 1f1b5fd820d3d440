// Every pod `meshup manifests` writes passes Kubernetes' Pod Security
// "restricted" profile, runs with a read-only root filesystem, and takes its
// user, writable paths and resources from the deploy file.
#include "pod_security.h"

#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "codegen/manifests/manifests.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_output.h"

namespace meshup::manifests {
namespace {

using ::testing::IsEmpty;

// The Deployments of the kubernetes target: path -> document.
std::map<std::string, YAML::Node> Deployments(const OutputFiles& files) {
  std::map<std::string, YAML::Node> out;
  for (const auto& [path, text] : files) {
    if (!absl::StartsWith(path, "kubernetes/base/")) continue;
    for (const YAML::Node& document : Documents(text)) {
      if (document["kind"].as<std::string>() == "Deployment") out[path] = document;
    }
  }
  return out;
}

std::map<std::string, std::string> Quantities(const YAML::Node& node) {
  std::map<std::string, std::string> out;
  for (const auto& entry : node)
    out[entry.first.as<std::string>()] = entry.second.as<std::string>();
  return out;
}

TEST(PodSecurityTest, EveryBookinfoPodIsRestricted) {
  const OutputFiles files = GenerateFor(MESHUP_BOOKINFO_DEPLOY, {Target::kKubernetes});
  const std::map<std::string, YAML::Node> deployments = Deployments(files);
  ASSERT_EQ(deployments.size(), 6u);  // productpage, details, ratings, reviews v1 to v3
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  ASSERT_TRUE(model.ok()) << model.status();
  for (const auto& [path, deployment] : deployments) {
    const YAML::Node pod = deployment["spec"]["template"]["spec"];
    EXPECT_THAT(RestrictedViolations(pod), IsEmpty()) << path;
    EXPECT_EQ(pod["securityContext"]["runAsUser"].as<int64_t>(), 65532) << path;
    // The resources are the deploy file's (its defaults, for bookinfo).
    const std::string service = deployment["metadata"]["labels"]["app"].as<std::string>();
    const std::string version = deployment["metadata"]["labels"]["version"].as<std::string>();
    const ServiceModel* deployed = model->Find(service);
    ASSERT_NE(deployed, nullptr) << path;
    for (const DeployVersion& v : deployed->versions) {
      if (v.name != version) continue;
      const YAML::Node resources = pod["containers"][0]["resources"];
      EXPECT_EQ(Quantities(resources["requests"]), v.requests) << path;
      EXPECT_EQ(Quantities(resources["limits"]), v.limits) << path;
    }
  }
}

TEST(PodSecurityTest, TheDeployFileSetsUserWritablePathsAndResources) {
  TempDir dir;
  const std::string deploy = (dir.path() / "deploy.yaml").string();
  std::ofstream(deploy) << R"(apiVersion: meshup.dev/v1alpha1
kind: Deploy
metadata: {name: shop}
spec:
  services:
  - name: web
    protocol: http
    port: 8080
    versions:
    - name: v1
      image: web:1
      runAsUser: 1000
      writablePaths: [/tmp, /var/cache/web]
      resources:
        requests: {cpu: 250m, memory: 128Mi, ephemeral-storage: 1Gi}
        limits: {cpu: '2', memory: 512Mi, ephemeral-storage: 2Gi}
)";
  const OutputFiles files = GenerateFor(deploy, {Target::kKubernetes});
  const std::map<std::string, YAML::Node> deployments = Deployments(files);
  ASSERT_EQ(deployments.count("kubernetes/base/web-v1-deployment.yaml"), 1u);
  const YAML::Node pod =
      deployments.at("kubernetes/base/web-v1-deployment.yaml")["spec"]["template"]["spec"];
  EXPECT_THAT(RestrictedViolations(pod), IsEmpty());
  EXPECT_EQ(pod["securityContext"]["runAsUser"].as<int64_t>(), 1000);
  const YAML::Node container = pod["containers"][0];
  EXPECT_EQ(Quantities(container["resources"]["requests"]),
            (std::map<std::string, std::string>{
                {"cpu", "250m"}, {"memory", "128Mi"}, {"ephemeral-storage", "1Gi"}}));
  EXPECT_EQ(Quantities(container["resources"]["limits"]),
            (std::map<std::string, std::string>{
                {"cpu", "2"}, {"memory", "512Mi"}, {"ephemeral-storage", "2Gi"}}));
  // Each writable path is an emptyDir volume mounted there, writable.
  std::map<std::string, std::string> volume_types;
  for (const YAML::Node& volume : pod["volumes"]) {
    volume_types[volume["name"].as<std::string>()] = volume["emptyDir"] ? "emptyDir" : "other";
  }
  std::map<std::string, std::string> writable;  // mount path -> volume type
  for (const YAML::Node& mount : container["volumeMounts"]) {
    if (mount["readOnly"] && mount["readOnly"].as<bool>()) continue;
    writable[mount["mountPath"].as<std::string>()] = volume_types[mount["name"].as<std::string>()];
  }
  EXPECT_EQ(writable, (std::map<std::string, std::string>{{"/tmp", "emptyDir"},
                                                          {"/var/cache/web", "emptyDir"}}));
}

// The check itself finds what a pod without the settings lacks.
TEST(PodSecurityTest, TheCheckFindsAnUnrestrictedPod) {
  YAML::Node pod = YAML::Load(R"(
containers:
- name: web
  image: web:1
  securityContext: {capabilities: {add: [NET_ADMIN]}}
  volumeMounts: [{name: data, mountPath: /data}]
volumes: [{name: data, hostPath: {path: /var/data}}]
)");
  const std::string violations = absl::StrJoin(RestrictedViolations(pod), "\n");
  for (const char* expected :
       {"allowPrivilegeEscalation: must be false", "runAsNonRoot: must be true",
        "seccompProfile.type: must be RuntimeDefault", "capabilities.drop: must include ALL",
        "may not add NET_ADMIN", "readOnlyRootFilesystem: must be true",
        "/data is writable but not an emptyDir volume", "type hostPath is not allowed",
        "resources.limits.memory: must be set"}) {
    EXPECT_THAT(violations, ::testing::HasSubstr(expected));
  }
}

}  // namespace
}  // namespace meshup::manifests
