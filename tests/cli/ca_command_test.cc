// `meshup ca` as a user runs it: exit codes, messages, files.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

using meshup::testing::CommandResult;

CommandResult Meshup(const std::string& args) {
  return meshup::testing::RunCommand(absl::StrCat(MESHUP_CLI, " ", args));
}

class CaCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("meshup-cli-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CaCommandTest, InitThenIssue) {
  CommandResult init =
      Meshup(absl::StrCat("ca init --dir ", dir_, "/ca --trust-domain example.org"));
  EXPECT_EQ(init.exit_code, 0) << init.output;
  EXPECT_THAT(init.output, HasSubstr("CA for trust domain example.org written to"));

  CommandResult issue =
      Meshup(absl::StrCat("ca issue --dir ", dir_, "/ca --service-account reviews ",
                          "--namespace bookinfo --ttl 10m --out ", dir_, "/reviews"));
  EXPECT_EQ(issue.exit_code, 0) << issue.output;
  EXPECT_THAT(issue.output, HasSubstr("issued spiffe://example.org/ns/bookinfo/sa/reviews"));
  struct stat info;
  ASSERT_EQ(stat((dir_ + "/reviews/key.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(CaCommandTest, IssueWithoutACaSaysWhatIsMissing) {
  CommandResult issue =
      Meshup(absl::StrCat("ca issue --dir ", dir_, "/none --service-account reviews"));
  EXPECT_EQ(issue.exit_code, 1);
  EXPECT_THAT(issue.output, HasSubstr("meshup ca issue: cannot read"));
}

TEST_F(CaCommandTest, BadFlagsAreNamed) {
  CommandResult ttl = Meshup(absl::StrCat("ca init --dir ", dir_, " --ttl forever"));
  EXPECT_EQ(ttl.exit_code, 2);
  EXPECT_THAT(ttl.output, HasSubstr("--ttl 'forever' is not a duration"));
  CommandResult missing = Meshup("ca issue");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("--service-account is required"));
}

}  // namespace
