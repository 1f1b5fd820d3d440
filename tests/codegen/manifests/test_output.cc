#include "test_output.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace meshup::manifests {

namespace fs = std::filesystem;

OutputFiles GenerateFor(const std::string& deploy_path, const std::set<Target>& targets) {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(deploy_path);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  GenerateOptions options;
  options.targets = targets;
  absl::StatusOr<OutputFiles> files =
      GenerateManifests(*model, options, *codegen::EmbeddedTemplateSource());
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *std::move(files) : OutputFiles();
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "meshup-manifests-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot create a directory in " << fs::temp_directory_path();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code error;
  fs::remove_all(path_, error);
}

std::vector<YAML::Node> Documents(const std::string& text) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& document : YAML::LoadAll(text)) {
    if (document.IsMap()) out.push_back(document);
  }
  return out;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace meshup::manifests
