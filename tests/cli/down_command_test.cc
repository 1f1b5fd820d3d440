// `meshup down` as a user runs it: it stops what `meshup up` started, and
// never a process that merely got a recorded pid later.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace {

using meshup::testing::CommandResult;
using meshup::testing::Subprocess;
using ::testing::HasSubstr;

// A process's start time: field 22 of /proc/<pid>/stat.
uint64_t StartTime(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  uint64_t start = 0;
  EXPECT_TRUE(fields.size() > 19 && absl::SimpleAtoi(fields[19], &start)) << stat;
  return start;
}

CommandResult Meshup(const std::string& args) {
  return meshup::testing::RunCommand(absl::StrCat(MESHUP_CLI, " ", args));
}

class DownCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-down-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto sleeper = Subprocess::Start({"/bin/sleep", "300"});
    ASSERT_TRUE(sleeper.ok()) << sleeper.status();
    sleeper_ = *std::move(sleeper);
    start_time_ = StartTime(sleeper_->pid());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A state file recording one workload as `meshup up` writes it.
  void WriteState(uint64_t start_time, const std::string& command_line) {
    std::ofstream(dir_ / "state.json")
        << "{\"url\": \"\", \"workloads\": [{\"service\": \"reviews\", \"version\": \"v1\", "
        << "\"pid\": " << sleeper_->pid() << ", \"start_time\": " << start_time
        << ", \"command_line\": \"" << command_line << "\", \"port\": 1, \"admin_port\": 2, "
        << "\"identity\": \"\", \"log\": \"\", \"http\": false}]}\n";
  }

  std::filesystem::path dir_;
  std::unique_ptr<Subprocess> sleeper_;  // killed by its destructor if still running
  uint64_t start_time_ = 0;
};

TEST_F(DownCommandTest, LeavesAnUnrelatedProcessThatReusedARecordedPid) {
  // What `meshup up` recorded for a workload whose pid is now the sleeper's.
  WriteState(start_time_ + 1, "/opt/bookinfo/bookinfo_reviews");
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, HasSubstr(absl::StrCat("reviews v1 (pid ", sleeper_->pid(),
                                                  "): the recorded process is gone")));
  EXPECT_THAT(down.output, HasSubstr("is now another process (/bin/sleep 300)"));
  EXPECT_THAT(down.output, HasSubstr("stopped 0 workloads"));
  EXPECT_FALSE(sleeper_->ExitStatus().has_value()) << "meshup down killed an unrelated process";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state.json"));
}

TEST_F(DownCommandTest, LeavesAProcessWhoseCommandLineDiffers) {
  WriteState(start_time_, "/opt/bookinfo/bookinfo_reviews");
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_THAT(down.output, HasSubstr("the recorded process is gone"));
  EXPECT_FALSE(sleeper_->ExitStatus().has_value()) << "meshup down killed an unrelated process";
}

// A foreground `meshup up` recorded as the supervisor is asked to stop the
// mesh itself (it would restart what `down` stopped); whatever it left
// recorded when it is gone is stopped by `down`.
TEST_F(DownCommandTest, StopsTheRecordedForegroundUpFirstThenWhatItLeft) {
  auto supervisor = Subprocess::Start({"/bin/sleep", "301"});
  ASSERT_TRUE(supervisor.ok()) << supervisor.status();
  std::ofstream(dir_ / "state.json")
      << "{\"url\": \"\", \"supervisor\": {\"pid\": " << (*supervisor)->pid()
      << ", \"start_time\": " << StartTime((*supervisor)->pid())
      << ", \"command_line\": \"/bin/sleep 301\"}, \"workloads\": [{\"service\": \"reviews\", "
      << "\"version\": \"v1\", \"pid\": " << sleeper_->pid() << ", \"start_time\": " << start_time_
      << ", \"command_line\": \"/bin/sleep 300\", \"port\": 1, \"admin_port\": 2, "
      << "\"identity\": \"\", \"log\": \"\", \"http\": false}]}\n";
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, HasSubstr("stopped 1 workloads"));
  for (Subprocess* process : {supervisor->get(), sleeper_.get()}) {
    auto status = process->Stop(0, absl::Seconds(10));  // reaps it: it got SIGTERM
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM) << *status;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state.json"));
}

// What a foreground `meshup up` says it stopped is what ran, not what it
// had recorded: a workload that had exited is not counted.
TEST_F(DownCommandTest, CountsTheWorkloadsTheForegroundUpStoppedNotThoseItRecorded) {
  const pid_t exited = fork();  // a workload that exited, reaped
  if (exited == 0) _exit(0);
  ASSERT_GT(exited, 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(exited, &wait_status, 0), exited);
  // The `meshup up`: on SIGTERM it stops the running workload and removes
  // the state file, as the real one does.
  const std::string state = (dir_ / "state.json").string();
  const std::string script = absl::StrCat("trap 'kill ", sleeper_->pid(), "; rm -f ", state,
                                          "; exit 0' TERM; while true; do sleep 0.05; done");
  auto supervisor = Subprocess::Start({"/bin/sh", "-c", script});
  ASSERT_TRUE(supervisor.ok()) << supervisor.status();
  auto workload = [](const char* version, pid_t pid, uint64_t start_time,
                     const std::string& command_line) {
    return absl::StrCat("{\"service\": \"reviews\", \"version\": \"", version, "\", \"pid\": ", pid,
                        ", \"start_time\": ", start_time, ", \"command_line\": \"", command_line,
                        "\", \"port\": 1, \"admin_port\": 2, \"identity\": \"\", \"log\": \"\", "
                        "\"http\": false}");
  };
  std::ofstream(state) << "{\"url\": \"\", \"supervisor\": {\"pid\": " << (*supervisor)->pid()
                       << ", \"start_time\": " << StartTime((*supervisor)->pid())
                       << ", \"command_line\": \"/bin/sh -c " << script  // single quotes only
                       << "\"}, \"workloads\": ["
                       << workload("v1", sleeper_->pid(), start_time_, "/bin/sleep 300") << ", "
                       << workload("v2", exited, 1, "/opt/bookinfo/bookinfo_reviews") << "]}\n";
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, HasSubstr(absl::StrCat("stopped meshup up (pid ", (*supervisor)->pid(),
                                                  "), which stopped its 1 running workload\n")));
  auto status = sleeper_->Stop(0, absl::Seconds(10));  // reaps it: the script's kill
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM) << *status;
}

// A registry entry as a workload writes it: naming the process that registered it.
std::string OwnedEntry(const std::string& name, pid_t pid, uint64_t start_time) {
  std::string boot;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot;
  char ns[256];
  const ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
  return absl::StrCat(
      "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: ", name,
      "\n  annotations:\n    meshup.dev/owner-host: \"", boot, "/", std::string(ns, n > 0 ? n : 0),
      "\"\n    meshup.dev/owner-pid: \"", pid, "\"\n    meshup.dev/owner-start-time: \"",
      start_time, "\"\nspec:\n  address: 127.0.0.1\n  ports: {grpc: 9001}\n",
      "  labels: {app: reviews, version: v1}\n");
}

TEST_F(DownCommandTest, StopsTheProcessItRecordedAndRemovesItsRegistryEntry) {
  WriteState(start_time_, "/bin/sleep 300");
  std::filesystem::create_directories(dir_ / "registry");
  std::ofstream(dir_ / "registry" / "reviews-v1-1.yaml")
      << OwnedEntry("reviews-v1-1", sleeper_->pid(), start_time_);
  // Another process's entry, alive: not `meshup down`'s to remove.
  std::ofstream(dir_ / "registry" / "reviews-v1-2.yaml")
      << OwnedEntry("reviews-v1-2", getpid(), StartTime(getpid()));
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, HasSubstr("stopped 1 workloads"));
  auto status = sleeper_->Stop(0, absl::Seconds(10));  // reaps it: it got SIGTERM
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM) << *status;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "registry" / "reviews-v1-1.yaml"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "registry" / "reviews-v1-2.yaml"));
}

TEST_F(DownCommandTest, RemovesTheRegistryEntryOfAKilledWorkload) {
  WriteState(start_time_ + 1, "/opt/bookinfo/bookinfo_reviews");  // long gone
  std::filesystem::create_directories(dir_ / "registry");
  // Registered by a workload then killed with SIGKILL: the pid is reused now.
  std::ofstream(dir_ / "registry" / "reviews-v1-1.yaml")
      << OwnedEntry("reviews-v1-1", sleeper_->pid(), start_time_ + 1);
  CommandResult down = Meshup(absl::StrCat("down --state ", dir_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "registry" / "reviews-v1-1.yaml"));
  EXPECT_FALSE(sleeper_->ExitStatus().has_value()) << "meshup down killed an unrelated process";
}

}  // namespace
