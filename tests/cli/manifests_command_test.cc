// `meshup manifests` and `meshup check` as a user runs them: exit codes,
// messages, and that a failed run writes nothing.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using meshup::testing::CommandResult;

CommandResult Meshup(const std::string& args) {
  return meshup::testing::RunCommand(absl::StrCat(MESHUP_CLI, " ", args));
}

class ManifestsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("meshup-manifests-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ManifestsCommandTest, WritesBookinfoAndTheIstioOutputChecksClean) {
  CommandResult run = Meshup(absl::StrCat("manifests --deploy ", MESHUP_BOOKINFO_DEPLOY, " --out ",
                                          (dir_ / "out").string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("wrote "));
  EXPECT_TRUE(fs::exists(dir_ / "out/kubernetes/base/kustomization.yaml"));
  EXPECT_TRUE(fs::exists(dir_ / "out/istio/reviews.yaml"));
  EXPECT_TRUE(fs::exists(dir_ / "out/linkerd/reviews.yaml"));
  // No staging directory is left behind.
  for (const auto& entry : fs::directory_iterator(dir_ / "out")) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << entry.path();
  }
  // The workloads of the deploy file serve every host and subset, and run as
  // every service account the policies name.
  CommandResult check = Meshup(absl::StrCat("check ", (dir_ / "out/istio").string(), " --deploy ",
                                            MESHUP_BOOKINFO_DEPLOY, " --strict"));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("0 error(s), 0 warning(s)"));
  // Without them, the routes go nowhere: errors, exit 1.
  CommandResult bare = Meshup(absl::StrCat("check ", (dir_ / "out/istio").string()));
  EXPECT_EQ(bare.exit_code, 1) << bare.output;
  EXPECT_THAT(bare.output, HasSubstr("error MU0101"));
}

TEST_F(ManifestsCommandTest, ABadDeployFileWritesNothing) {
  std::ofstream(dir_ / "deploy.yaml") << "apiVersion: meshup.dev/v1alpha1\nkind: Deploy\n"
                                         "metadata: {name: x}\nspec:\n  services:\n"
                                         "  - name: web\n    protocol: http\n    port: 80\n"
                                         "    versions: [{name: v1, image: web, replicas: many}]\n";
  CommandResult run = Meshup(absl::StrCat("manifests --deploy ", (dir_ / "deploy.yaml").string(),
                                          " --out ", (dir_ / "out").string()));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("deploy.yaml:9:"));
  EXPECT_THAT(run.output, HasSubstr("spec.services[0].versions[0].replicas"));
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(ManifestsCommandTest, AFailedRunKeepsThePreviousOutput) {
  const std::string out = (dir_ / "out").string();
  ASSERT_EQ(Meshup(absl::StrCat("manifests --deploy ", MESHUP_BOOKINFO_DEPLOY, " --out ", out,
                                " --target istio"))
                .exit_code,
            0);
  std::ofstream(dir_ / "deploy.yaml") << "not: a deploy file\n";
  EXPECT_EQ(Meshup(absl::StrCat("manifests --deploy ", (dir_ / "deploy.yaml").string(), " --out ",
                                out, " --target istio"))
                .exit_code,
            1);
  EXPECT_TRUE(fs::exists(dir_ / "out/istio/reviews.yaml"));
}

TEST_F(ManifestsCommandTest, BadFlagsAreNamed) {
  CommandResult target = Meshup(absl::StrCat("manifests --deploy ", MESHUP_BOOKINFO_DEPLOY,
                                             " --out ", dir_.string(), " --target nomad"));
  EXPECT_EQ(target.exit_code, 2);
  EXPECT_THAT(target.output, HasSubstr("--target 'nomad': expected kubernetes, istio"));
  CommandResult missing = Meshup("manifests --out x");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("--deploy is required"));
}

}  // namespace
