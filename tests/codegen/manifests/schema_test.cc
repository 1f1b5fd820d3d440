// Every Kubernetes and Istio document `meshup manifests` writes is valid
// against the published schemas of the npm packages kubernetes-models and
// @kubernetes-models/istio, with no field they do not declare
// (tools/schemas/validate.mjs). No npm package publishes Linkerd's schemas:
// linkerd_test.cc checks its documents' kinds and API versions.
//
// Needs Node.js and the packages of tools/schemas/package-lock.json in
// ${MESHUP_NPM_CACHE:-$HOME/.cache/meshup/npm}: scripts/install-npm-deps.sh
// (run by scripts/install-deps.sh) installs them. Without them the test fails.
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_output.h"

namespace meshup::manifests {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kSetup[] = "scripts/install-npm-deps.sh";

const std::set<Target> kAll = {Target::kKubernetes, Target::kIstio, Target::kLinkerd,
                               Target::kEnvoy};

fs::path NpmCache() {
  if (const char* cache = std::getenv("MESHUP_NPM_CACHE"); cache != nullptr && *cache != '\0') {
    return cache;
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/root") / ".cache/meshup/npm";
}

std::string Quote(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(meshup::testing::RunCommand("node --version").exit_code, 0)
        << "Node.js is not installed: run " << kSetup;
    modules_ = NpmCache() / "node_modules";
    // The cache holds what the lock file pins.
    std::ifstream lock_file(fs::path(MESHUP_SOURCE_DIR) / "tools/schemas/package-lock.json");
    const nlohmann::json lock =
        nlohmann::json::parse(lock_file, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(lock.is_object()) << "tools/schemas/package-lock.json is not JSON";
    for (const char* package : {"kubernetes-models", "@kubernetes-models/istio", "yaml"}) {
      const std::string pinned =
          lock["packages"][absl::StrCat("node_modules/", package)]["version"].get<std::string>();
      std::ifstream installed_file(modules_ / package / "package.json");
      const nlohmann::json installed =
          nlohmann::json::parse(installed_file, nullptr, /*allow_exceptions=*/false);
      ASSERT_TRUE(installed.is_object())
          << package << " is not installed in " << modules_ << ": run " << kSetup;
      ASSERT_EQ(installed.value("version", ""), pinned)
          << modules_ << " holds " << package << " " << installed.value("version", "")
          << " but tools/schemas/package-lock.json pins " << pinned << ": run " << kSetup;
    }
    files_ = GenerateFor(MESHUP_BOOKINFO_DEPLOY, kAll);
    ASSERT_FALSE(files_.empty());
    ASSERT_TRUE(WriteOutputTree(out_.path().string(), kAll, files_).ok());
  }

  // tools/schemas/validate.mjs on `paths`, bounded in time.
  meshup::testing::CommandResult Validate(const std::vector<fs::path>& paths) {
    std::string command = absl::StrCat(
        "timeout 120 node ", Quote(absl::StrCat(MESHUP_SOURCE_DIR, "/tools/schemas/validate.mjs")),
        " --modules ", Quote(modules_.string()));
    for (const fs::path& path : paths) absl::StrAppend(&command, " ", Quote(path.string()));
    return meshup::testing::RunCommand(command + " 2>&1");
  }

  fs::path modules_;
  OutputFiles files_;
  TempDir out_;
};

TEST_F(SchemaTest, EveryDocumentMatchesThePublishedSchemas) {
  std::vector<fs::path> paths;
  int kubernetes = 0, istio = 0, linkerd = 0;
  auto add = [&](const fs::path& path, const std::string& text) {
    paths.push_back(path);
    for (const YAML::Node& document : Documents(text)) {
      const std::string api_version = document["apiVersion"].as<std::string>();
      if (absl::StrContains(api_version, "istio.io/")) {
        ++istio;
      } else if (absl::StrContains(api_version, "linkerd.io/")) {
        ++linkerd;
      } else {
        ++kubernetes;
      }
    }
  };
  for (const auto& [path, text] : files_) {
    // Kustomizations and patches are checked by building them (kustomize_test);
    // Envoy's bootstraps are Envoy's, not Kubernetes documents.
    if (absl::EndsWith(path, "kustomization.yaml") ||
        absl::StartsWith(path, "kubernetes/overlays/") || absl::StartsWith(path, "envoy/")) {
      continue;
    }
    add(out_.path() / path, text);
  }
  // The embedded overlay as kubectl applies it, when kubectl is there.
  if (meshup::testing::RunCommand("command -v kubectl").exit_code == 0) {
    meshup::testing::CommandResult built = meshup::testing::RunCommand(
        absl::StrCat("timeout 120 kubectl kustomize ",
                     Quote((out_.path() / "kubernetes/overlays/embedded").string())));
    ASSERT_EQ(built.exit_code, 0) << built.output;
    const fs::path overlay = out_.path() / "embedded-built.yaml";
    std::ofstream(overlay) << built.output;
    add(overlay, built.output);
  }
  ASSERT_GT(kubernetes, 0);
  ASSERT_GT(istio, 0);
  meshup::testing::CommandResult result = Validate(paths);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // Every document was checked, none skipped.
  EXPECT_THAT(result.output, HasSubstr(absl::StrCat("schemas: ", kubernetes, " Kubernetes and ",
                                                    istio, " Istio document(s) valid, ", linkerd,
                                                    " Linkerd document(s) unchecked")))
      << result.output;
  EXPECT_THAT(result.output, HasSubstr(", 0 error(s)"));
}

struct Tampering {
  const char* file;
  const char* line;         // a whole line of the file
  const char* replacement;  // what it becomes
  const char* expected;     // a substring of the validator's output
};

// A field the schema does not declare, or a value of the wrong type, fails.
TEST_F(SchemaTest, AnUnknownFieldOrAWrongTypeFails) {
  const Tampering cases[] = {
      {"kubernetes/base/details-v1-deployment.yaml", "          allowPrivilegeEscalation: false",
       "          allowPrivilegeEscalation: false\n          bogusField: true",
       "/spec/template/spec/containers/0/securityContext/bogusField: unknown field"},
      {"kubernetes/base/details-v1-deployment.yaml", "  replicas: 1", "  replicas: three",
       "/spec/replicas must be integer"},
      {"kubernetes/base/details-service.yaml",
       "  selector:", "  bogusField: true\n  selector:", "/spec/bogusField: unknown field"},
      {"kubernetes/base/meshup-config.yaml",
       "data:", "bogusField: true\ndata:", "(ConfigMap meshup-config): /bogusField: unknown field"},
      {"istio/reviews.yaml", "    timeout: 3s", "    bogusField: true\n    timeout: 3s",
       "/spec/http/0/bogusField: unknown field"},
      {"istio/reviews.yaml", "      mode: ISTIO_MUTUAL", "      mode: ISTIO_MUTUAL\n      bogus: 1",
       "(DestinationRule reviews): /spec/trafficPolicy/tls/bogus: unknown field"},
  };
  int index = 0;
  for (const Tampering& tampering : cases) {
    std::string text = files_.at(tampering.file);
    const std::string line = absl::StrCat("\n", tampering.line, "\n");
    const size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos) << tampering.file << " has no line '" << tampering.line << "'";
    text.replace(at, line.size(), absl::StrCat("\n", tampering.replacement, "\n"));
    const fs::path path = out_.path() / absl::StrCat("tampered-", index++, ".yaml");
    std::ofstream(path) << text;
    meshup::testing::CommandResult result = Validate({path});
    EXPECT_EQ(result.exit_code, 1) << tampering.replacement << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(tampering.expected)) << result.output;
    EXPECT_THAT(result.output, HasSubstr(", 1 error(s)")) << result.output;
  }
}

}  // namespace
}  // namespace meshup::manifests
