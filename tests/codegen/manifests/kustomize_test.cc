// `kubectl kustomize` builds every kustomization `meshup manifests` writes,
// and the embedded overlay changes what it says it changes while the pods
// stay restricted. Skipped when kubectl is not installed.
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pod_security.h"
#include "test_output.h"

namespace meshup::manifests {
namespace {

namespace fs = std::filesystem;
using ::testing::IsEmpty;

class KustomizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (meshup::testing::RunCommand("command -v kubectl").exit_code != 0) {
      GTEST_SKIP() << "kubectl is not installed; the kustomizations are not built";
    }
    const std::set<Target> all = {Target::kKubernetes, Target::kIstio, Target::kLinkerd,
                                  Target::kEnvoy};
    const OutputFiles files = GenerateFor(MESHUP_BOOKINFO_DEPLOY, all);
    ASSERT_FALSE(files.empty());
    ASSERT_TRUE(WriteOutputTree(out_.path().string(), all, files).ok());
  }

  // `kubectl kustomize` of `dir`, bounded in time.
  meshup::testing::CommandResult Build(const fs::path& dir) {
    return meshup::testing::RunCommand(
        absl::StrCat("timeout 120 kubectl kustomize '", dir.string(), "' 2>&1"));
  }

  TempDir out_;
};

TEST_F(KustomizeTest, EveryKustomizationBuilds) {
  std::set<std::string> built;
  for (const auto& entry : fs::recursive_directory_iterator(out_.path())) {
    if (entry.path().filename() != "kustomization.yaml") continue;
    const fs::path dir = entry.path().parent_path();
    const std::string relative = fs::relative(dir, out_.path()).generic_string();
    meshup::testing::CommandResult result = Build(dir);
    EXPECT_EQ(result.exit_code, 0) << "kubectl kustomize " << relative << ":\n" << result.output;
    built.insert(relative);
  }
  EXPECT_EQ(built, (std::set<std::string>{"kubernetes/base", "kubernetes/overlays/embedded"}));
}

TEST_F(KustomizeTest, TheEmbeddedOverlayPatchesTheBase) {
  meshup::testing::CommandResult result = Build(out_.path() / "kubernetes/overlays/embedded");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, YAML::Node> by_name;  // "Kind/name"
  for (const YAML::Node& document : Documents(result.output)) {
    by_name[absl::StrCat(document["kind"].as<std::string>(), "/",
                         document["metadata"]["name"].as<std::string>())] = document;
  }
  for (const char* service : {"details", "productpage", "ratings", "reviews"}) {
    ASSERT_EQ(by_name.count(absl::StrCat("Service/", service)), 1u) << service;
    EXPECT_EQ(by_name[absl::StrCat("Service/", service)]["spec"]["clusterIP"].as<std::string>(),
              "None")
        << service;
  }
  int deployments = 0;
  for (const auto& [name, document] : by_name) {
    if (document["kind"].as<std::string>() != "Deployment") continue;
    ++deployments;
    const YAML::Node pod = document["spec"]["template"]["spec"];
    EXPECT_THAT(RestrictedViolations(pod), IsEmpty()) << name;
    std::set<std::string> mounts;
    for (const YAML::Node& mount : pod["containers"][0]["volumeMounts"]) {
      mounts.insert(mount["mountPath"].as<std::string>());
    }
    EXPECT_EQ(mounts,
              (std::set<std::string>{"/etc/meshup/config", "/tmp", "/var/run/meshup/identity"}))
        << name;
  }
  EXPECT_EQ(deployments, 6);
  const YAML::Node config = by_name["ConfigMap/meshup-config"]["data"];
  EXPECT_TRUE(config["mesh.yaml"].IsDefined());
  EXPECT_TRUE(config["policies.yaml"].IsDefined());
}

}  // namespace
}  // namespace meshup::manifests
