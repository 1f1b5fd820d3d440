// The arithmetic of meshup stat, and meshup up's refusals, which must leave
// nothing running (apply and delete: config_store_test.cc).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "local_mesh.h"
#include "stat_command.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(StatTest, QuantilesInterpolateWithinBuckets) {
  const std::vector<double> bounds = {1, 5, 10};
  // 10 calls <= 1 ms, 10 more <= 5 ms, none above.
  const std::vector<double> cumulative = {10, 20, 20, 20};
  EXPECT_DOUBLE_EQ(Quantile(bounds, cumulative, 0.5), 1);
  EXPECT_DOUBLE_EQ(Quantile(bounds, cumulative, 0.75), 3);
  EXPECT_DOUBLE_EQ(Quantile(bounds, cumulative, 0.25), 0.5);
  EXPECT_DOUBLE_EQ(Quantile(bounds, {0, 0, 0, 0}, 0.5), 0);
  EXPECT_DOUBLE_EQ(Quantile(bounds, {0, 0, 0, 4}, 0.99), 10) << "+Inf: the last bound";
}

TEST(StatTest, DiffCountsOnlyTheWindow) {
  StatSample before{100, 90, {1, 5}, {50, 100, 100}};
  StatSample after{300, 280, {1, 5}, {50, 300, 300}};
  StatRow row = Diff(before, after, absl::Seconds(2));
  EXPECT_DOUBLE_EQ(row.rps, 100);
  EXPECT_DOUBLE_EQ(row.success_rate, 0.95);
  EXPECT_GT(row.p50_ms, 1);  // every call of the window fell in (1, 5]
  EXPECT_LE(row.p99_ms, 5);
}

TEST(UpTest, RefusesAMissingBinaryBeforeStartingAnything) {
  const fs::path state = fs::temp_directory_path() / absl::StrCat("meshup-up-", getpid());
  UpOptions options;
  options.sample_dir = absl::StrCat(MESHUP_SOURCE_DIR, "/samples/bookinfo");
  options.state_dir = state.string();
  options.bin_dir = "/nonexistent";
  absl::StatusOr<LocalMesh> mesh = StartLocalMesh(options);
  ASSERT_FALSE(mesh.ok());
  EXPECT_THAT(mesh.status().message(), HasSubstr("/nonexistent/bookinfo_details"));
  EXPECT_FALSE(fs::exists(state / "state.json"));
  fs::remove_all(state);
}

TEST(UpTest, RefusesAFrontEndPortInUseBeforeStartingAnything) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const fs::path state = fs::temp_directory_path() / absl::StrCat("meshup-up-port-", getpid());
  UpOptions options;
  options.sample_dir = absl::StrCat(MESHUP_SOURCE_DIR, "/samples/bookinfo");
  options.state_dir = state.string();
  options.bin_dir = BOOKINFO_BIN_DIR;
  options.port = ntohs(address.sin_port);
  absl::StatusOr<LocalMesh> mesh = StartLocalMesh(options);
  close(fd);
  ASSERT_FALSE(mesh.ok());
  EXPECT_THAT(mesh.status().message(),
              HasSubstr(absl::StrCat("port ", options.port, " on 127.0.0.1 is in use")));
  EXPECT_FALSE(fs::exists(state / "logs"));
  fs::remove_all(state);
}

}  // namespace
}  // namespace meshup::cli
