// What the manifest tests share: bookinfo's output in memory or on disk in a
// temporary directory that goes with the test, and its YAML documents.
#ifndef MESHUP_TESTS_CODEGEN_MANIFESTS_TEST_OUTPUT_H_
#define MESHUP_TESTS_CODEGEN_MANIFESTS_TEST_OUTPUT_H_

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "codegen/manifests/manifests.h"
#include "yaml-cpp/yaml.h"

namespace meshup::manifests {

// The output for `deploy_path`; on an error, a test failure and no files.
OutputFiles GenerateFor(const std::string& deploy_path, const std::set<Target>& targets);

// A fresh directory below the system's temporary directory, removed whole
// when it goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The non-empty documents of a YAML stream.
std::vector<YAML::Node> Documents(const std::string& text);

std::string ReadText(const std::filesystem::path& path);

}  // namespace meshup::manifests

#endif  // MESHUP_TESTS_CODEGEN_MANIFESTS_TEST_OUTPUT_H_
