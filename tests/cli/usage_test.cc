// The meshup command line as a new user first meets it: usage, help,
// version, unknown commands, usage errors and the defaults in --help.
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

using meshup::testing::CommandResult;

CommandResult Meshup(const std::string& args) {
  return meshup::testing::RunCommand(absl::StrCat(MESHUP_CLI, " ", args));
}

// The usage lists the commands, each with its description.
auto ListsCommands() {
  return AllOf(HasSubstr("Usage:"), HasSubstr("apply"), HasSubstr("delete"), HasSubstr("get"),
               HasSubstr("up"), HasSubstr("down"), HasSubstr("check"), HasSubstr("ca"),
               HasSubstr("Run a sample's workloads"));
}

TEST(UsageTest, NoCommandPrintsTheUsageAsAUsageError) {
  CommandResult result = Meshup("");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, ListsCommands());
}

TEST(UsageTest, HelpPrintsTheUsage) {
  for (const char* args : {"help", "--help"}) {
    CommandResult result = Meshup(args);
    EXPECT_EQ(result.exit_code, 0) << args << ": " << result.output;
    EXPECT_THAT(result.output, ListsCommands()) << args;
  }
  CommandResult apply = Meshup("help apply");
  EXPECT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_THAT(apply.output, HasSubstr("Usage: meshup apply [OPTIONS] [file...]"));
  EXPECT_THAT(apply.output, HasSubstr("--filename"));
}

TEST(UsageTest, UpHelpSaysWhatRestartsAWorkloadAndThatDetachedNothingDoes) {
  CommandResult up = Meshup("up --help");
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, HasSubstr("restarts a workload that exits"));
  EXPECT_THAT(up.output, HasSubstr("up to 30 s"));
  EXPECT_THAT(up.output, HasSubstr("With --detach nothing supervises the mesh"));
}

TEST(UsageTest, AnUnknownCommandIsNamedWithTheUsage) {
  CommandResult result = Meshup("deploy samples/bookinfo");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("unknown command 'deploy'"));
  EXPECT_THAT(result.output, ListsCommands());
}

TEST(UsageTest, VersionPrintsTheVersionAndSourceRevision) {
  for (const char* args : {"--version", "version"}) {
    CommandResult result = Meshup(args);
    EXPECT_EQ(result.exit_code, 0) << args << ": " << result.output;
    // A git revision, or "unknown" outside git.
    EXPECT_THAT(result.output, MatchesRegex("meshup [0-9]+\\.[0-9]+\\.[0-9]+ \\(revision "
                                            "([0-9a-f]{12}(-dirty)?|unknown)\\)\n"))
        << args;
  }
}

TEST(UsageTest, UsageErrorsExitWithTwo) {
  for (const char* args : {"apply", "get -o json", "up", "stat --window x", "apply --bogus x"}) {
    CommandResult result = Meshup(args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.output;
  }
}

TEST(UsageTest, ApplyAndDeleteWithoutAFileSayWhatToName) {
  for (const char* command : {"apply", "delete"}) {
    CommandResult result = Meshup(command);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_THAT(result.output, HasSubstr(absl::StrCat("meshup ", command, ": name what to ")));
    EXPECT_THAT(result.output, HasSubstr("-f FILE")) << result.output;
    // One spelling is not required where the other will do.
    CommandResult help = Meshup(absl::StrCat("help ", command));
    EXPECT_THAT(help.output, Not(HasSubstr("REQUIRED"))) << help.output;
  }
}

TEST(UsageTest, EveryDefaultShowsInHelp) {
  CommandResult manifests = Meshup("manifests --help");
  EXPECT_THAT(manifests.output, HasSubstr("--target TEXT=all"));
  CommandResult apply = Meshup("apply --help");
  EXPECT_THAT(apply.output, HasSubstr("--state TEXT=.meshup"));
  EXPECT_THAT(apply.output, Not(HasSubstr("=[]"))) << "no empty default";
  EXPECT_THAT(apply.output, HasSubstr("MESHUP_STATE"));
  CommandResult get = Meshup("get --help");
  EXPECT_THAT(get.output, HasSubstr("--output TEXT:{table,yaml,name}=table"));
}

TEST(UsageTest, ApplyTakesTheFileAsMinusFOrPositional) {
  // Both spellings reach the command (which then finds no mesh running).
  for (const char* args : {"apply -f /nonexistent.yaml", "apply /nonexistent.yaml",
                           "delete --filename /nonexistent.yaml", "delete /nonexistent.yaml"}) {
    CommandResult result = Meshup(absl::StrCat(args, " --state /nonexistent-state"));
    EXPECT_EQ(result.exit_code, 1) << args << ": " << result.output;
  }
}

}  // namespace
