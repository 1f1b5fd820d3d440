// A foreground `meshup up` of bookinfo, as a user runs it, after one of its
// workloads is killed with SIGKILL: the workload comes back as a new process
// that state.json records, that answers and that is registered (the dead
// one's registry entry gone), and `meshup down` from another shell or Ctrl-C
// then leaves no process of the mesh behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"

namespace {

namespace fs = std::filesystem;
using meshup::testing::CommandResult;
using meshup::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = fs::temp_directory_path() /
             absl::StrCat("meshup-restart-", getpid(), "-",
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(state_);
    // stderr too on the pipe: the lines about exits and restarts.
    auto up =
        Subprocess::Start({"/bin/sh", "-c",
                           absl::StrCat("exec ", MESHUP_CLI, " up ", MESHUP_SOURCE_DIR,
                                        "/samples/bookinfo", " --port 0 --bin-dir ",
                                        BOOKINFO_BIN_DIR, " --state ", state_.string(), " 2>&1")});
    ASSERT_TRUE(up.ok()) << up.status();
    up_ = *std::move(up);
    auto ready = up_->WaitForLine("Ctrl-C stops everything", absl::Seconds(90));
    ASSERT_TRUE(ready.ok()) << ready.status();
  }

  void TearDown() override {
    up_.reset();  // SIGKILL if it still runs
    // Whatever it left: every process started for this state directory.
    for (int i = 0; i < 100; ++i) {
      const std::vector<pid_t> left = MeshPids();
      if (left.empty()) break;
      for (pid_t pid : left) kill(pid, SIGKILL);
      absl::SleepFor(absl::Milliseconds(50));
    }
    fs::remove_all(state_);
  }

  // The processes whose environment names this mesh's registry: its workloads.
  std::vector<pid_t> MeshPids() const {
    const std::string marker = absl::StrCat("MESHUP_REGISTRY_DIR=", (state_ / "registry").string());
    std::vector<pid_t> pids;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
      pid_t pid = 0;
      if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
      const std::string environ = ReadText(entry.path() / "environ");
      for (size_t at = 0; at < environ.size();) {
        const size_t end = environ.find('\0', at);
        if (environ.compare(at, end - at, marker) == 0) pids.push_back(pid);
        if (end == std::string::npos) break;
        at = end + 1;
      }
    }
    return pids;
  }

  nlohmann::json State() const {
    return nlohmann::json::parse(ReadText(state_ / "state.json"), nullptr, false);
  }

  static const nlohmann::json* Workload(const nlohmann::json& state, const std::string& service,
                                        const std::string& version) {
    if (!state.is_object() || !state.contains("workloads") || !state["workloads"].is_array()) {
      return nullptr;
    }
    for (const auto& workload : state["workloads"]) {
      if (workload.value("service", "") == service && workload.value("version", "") == version) {
        return &workload;
      }
    }
    return nullptr;
  }

  // The registry entries that name `pid` as the process that registered them.
  std::vector<std::string> EntriesOf(pid_t pid) const {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(state_ / "registry", error)) {
      if (absl::StrContains(ReadText(entry.path()),
                            absl::StrCat("meshup.dev/owner-pid: \"", pid, "\""))) {
        names.push_back(entry.path().filename().string());
      }
    }
    return names;
  }

  // Kills reviews v2 with SIGKILL and waits (bounded) until a new process of
  // it is recorded in state.json, answers /ready on its admin port and is
  // registered. Returns the new pid (0 on failure, with the test failed).
  pid_t KillReviewsV2AndWaitForItsReturn() {
    const nlohmann::json state_before = State();
    const nlohmann::json* before = Workload(state_before, "reviews", "v2");
    if (before == nullptr) {
      ADD_FAILURE() << "no reviews v2 in state.json: " << ReadText(state_ / "state.json");
      return 0;
    }
    const pid_t old_pid = before->value("pid", 0);
    EXPECT_THAT(EntriesOf(old_pid), ::testing::SizeIs(1));
    EXPECT_EQ(kill(old_pid, SIGKILL), 0);
    auto exited = up_->WaitForLine(
        absl::StrCat("meshup up: reviews v2 (pid ", old_pid, ") was killed by signal 9"),
        absl::Seconds(30));
    if (!exited.ok()) {
      ADD_FAILURE() << "meshup up did not report the kill: " << exited.status();
      return 0;
    }
    EXPECT_THAT(*exited, HasSubstr("restarting it in 1s"));
    auto restarted = up_->WaitForLine("meshup up: restarted reviews v2 as pid ", absl::Seconds(30));
    if (!restarted.ok()) {
      ADD_FAILURE() << "meshup up did not restart reviews v2: " << restarted.status();
      return 0;
    }
    // Recorded, answering, registered.
    std::string last;
    const absl::Time deadline = absl::Now() + absl::Seconds(45);
    while (absl::Now() < deadline) {
      const nlohmann::json state = State();
      const nlohmann::json* now = Workload(state, "reviews", "v2");
      const pid_t pid = now == nullptr ? 0 : now->value("pid", 0);
      const int admin = now == nullptr ? 0 : now->value("admin_port", 0);
      last = state.dump();
      if (pid > 1 && pid != old_pid && admin != 0 && !EntriesOf(pid).empty()) {
        auto ready = meshup::testing::HttpGet(absl::StrCat("http://127.0.0.1:", admin, "/ready"),
                                              absl::Seconds(5));
        if (ready.ok() && ready->status == 200) {
          EXPECT_THAT(EntriesOf(old_pid), IsEmpty()) << "the dead process's entry lingers";
          EXPECT_EQ(kill(pid, 0), 0);
          return pid;
        }
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << "reviews v2 did not come back as a recorded, ready, registered process; "
                  << "state.json: " << last;
    return 0;
  }

  fs::path state_;
  std::unique_ptr<Subprocess> up_;
};

TEST_F(RestartTest, AKilledWorkloadComesBackAndDownFromAnotherShellStopsEverything) {
  const pid_t restarted = KillReviewsV2AndWaitForItsReturn();
  ASSERT_NE(restarted, 0);
  ASSERT_THAT(MeshPids(), ::testing::Contains(restarted));
  CommandResult down = meshup::testing::RunCommand(
      absl::StrCat("timeout 60 ", MESHUP_CLI, " down --state ", state_.string()));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  // The foreground `meshup up` stopped its workloads (not restarting them) and exited.
  auto status = up_->Stop(0, absl::Seconds(30));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_THAT(MeshPids(), IsEmpty());
  EXPECT_FALSE(fs::exists(state_ / "state.json"));
  EXPECT_THAT(EntriesOf(restarted), IsEmpty());
}

TEST_F(RestartTest, AKilledWorkloadComesBackAndCtrlCStopsEverything) {
  const pid_t restarted = KillReviewsV2AndWaitForItsReturn();
  ASSERT_NE(restarted, 0);
  auto status = up_->Stop(SIGINT, absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_THAT(MeshPids(), IsEmpty());
  EXPECT_FALSE(fs::exists(state_ / "state.json"));
  EXPECT_THAT(EntriesOf(restarted), IsEmpty());
}

}  // namespace
