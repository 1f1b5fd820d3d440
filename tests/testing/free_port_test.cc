// StartOnFreePort(): a server that loses its port to another process is
// started again on a fresh one, and a server that never answers is named.
#include "free_port.h"

#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::testing {
namespace {

using ::testing::HasSubstr;

class StartOnFreePortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("meshup-free-port-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".log"))
               .string();
    std::filesystem::remove(log_);
  }
  void TearDown() override { std::filesystem::remove(log_); }

  // A "server" that finds its port taken: says so in the log and exits.
  std::vector<std::string> Exits(int port, int code) {
    return {"/bin/sh", "-c",
            absl::StrCat("echo port ", port, " already in use >> ", log_, "; exit ", code)};
  }
  static std::vector<std::string> Runs() { return {"/bin/sleep", "60"}; }

  std::string log_;
};

TEST_F(StartOnFreePortTest, AServerThatExitsAtOnceStartsAgainOnAnotherPort) {
  std::vector<int> ports;
  auto server = StartOnFreePort(
      [&](int port) {
        ports.push_back(port);
        return ports.size() == 1 ? Exits(port, 1) : Runs();
      },
      [&](int port) { return ports.size() == 2 && port == ports.back(); }, log_, absl::Seconds(20));
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]);
  EXPECT_EQ(server->port, ports[1]);
  EXPECT_FALSE(server->process->ExitStatus().has_value()) << "the second server runs";
}

TEST_F(StartOnFreePortTest, AServerThatKeepsExitingIsReportedWithItsLog) {
  int starts = 0;
  auto server = StartOnFreePort(
      [&](int port) {
        ++starts;
        return Exits(port, 3);
      },
      [](int) { return false; }, log_, absl::Seconds(20));
  EXPECT_EQ(starts, 3);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("exited"));
  EXPECT_THAT(server.status().message(), HasSubstr("already in use"));
}

TEST_F(StartOnFreePortTest, AServerThatNeverAnswersIsNotStartedAgain) {
  int starts = 0;
  auto server = StartOnFreePort(
      [&](int) {
        ++starts;
        return Runs();
      },
      [](int) { return false; }, log_, absl::Milliseconds(300));
  EXPECT_EQ(starts, 1);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(server.status().message(), HasSubstr("nothing answered on port"));
}

}  // namespace
}  // namespace meshup::testing
