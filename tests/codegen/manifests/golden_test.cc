// `meshup manifests` on bookinfo, compared byte for byte with the reviewed
// files of golden/. After an intended change, run scripts/update-goldens.sh
// (it runs this test with MESHUP_UPDATE_GOLDENS=1) and review `git diff`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "codegen/manifests/manifests.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::manifests {
namespace {

namespace fs = std::filesystem;

const std::set<Target> kGoldenTargets = {Target::kKubernetes, Target::kIstio, Target::kLinkerd,
                                         Target::kEnvoy};

OutputFiles Generate() {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  GenerateOptions options;
  options.targets = kGoldenTargets;
  absl::StatusOr<OutputFiles> files =
      GenerateManifests(*model, options, *codegen::EmbeddedTemplateSource());
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : OutputFiles();
}

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ManifestsGoldenTest, BookinfoMatchesTheGoldenFiles) {
  const OutputFiles files = Generate();
  ASSERT_FALSE(files.empty());
  const char* update = std::getenv("MESHUP_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    ASSERT_TRUE(WriteOutputTree(MESHUP_MANIFEST_GOLDEN_DIR, kGoldenTargets, files).ok());
    GTEST_SKIP() << "updated " << MESHUP_MANIFEST_GOLDEN_DIR;
  }
  for (const auto& [path, content] : files) {
    const fs::path golden = fs::path(MESHUP_MANIFEST_GOLDEN_DIR) / path;
    ASSERT_TRUE(fs::exists(golden))
        << "no golden file " << golden << "; run scripts/update-goldens.sh";
    EXPECT_EQ(content, Read(golden)) << path << " differs; run scripts/update-goldens.sh";
  }
  // And no golden file that is not generated any more.
  for (const auto& entry : fs::recursive_directory_iterator(MESHUP_MANIFEST_GOLDEN_DIR)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative =
        fs::relative(entry.path(), MESHUP_MANIFEST_GOLDEN_DIR).generic_string();
    EXPECT_EQ(files.count(relative), 1u) << relative << " is not generated any more";
  }
}

TEST(ManifestsGoldenTest, SameInputSameBytes) { EXPECT_EQ(Generate(), Generate()); }

}  // namespace
}  // namespace meshup::manifests
