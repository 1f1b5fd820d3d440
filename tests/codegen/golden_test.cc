// Compares what protoc-gen-meshup generated during this build with the golden
// files in tests/codegen/golden/. After an intended change of the generated
// code, refresh the goldens with scripts/update-goldens.sh and review the diff.
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class GoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenTest, GeneratedCodeMatchesGolden) {
  const std::string name = GetParam();
  const std::string generated = ReadFile(std::string(MESHUP_GENERATED_DIR) + "/" + name);
  const std::string golden = ReadFile(std::string(MESHUP_GOLDEN_DIR) + "/" + name);
  EXPECT_EQ(generated, golden) << name << " differs from its golden file; if the change is "
                               << "intended, run scripts/update-goldens.sh and review the diff";
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenTest,
                         ::testing::Values("meshup_test/everything.meshup.h",
                                           "meshup_test/everything.meshup.cc",
                                           "meshup_test/common.meshup.h",
                                           "meshup_test/common.meshup.cc",
                                           "nopackage.meshup.h", "nopackage.meshup.cc"));

}  // namespace
