// meshup apply/delete, the arithmetic of meshup stat, and meshup up's
// refusals, which must leave nothing running.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "apply_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "local_mesh.h"
#include "stat_command.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kRule[] = R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
)";

std::string Route(const std::string& subset) {
  return absl::StrCat("apiVersion: networking.istio.io/v1\nkind: VirtualService\n",
                      "metadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n",
                      "  - route:\n    - destination: {host: reviews, subset: ", subset, "}\n");
}

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("meshup-apply-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "config");
    ASSERT_TRUE(ApplyConfigFile(Write("rule.yaml", kRule), Config()).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::string Config() const { return (dir_ / "config").string(); }
  std::string Installed() const {
    std::ifstream in(dir_ / "config" / "virtualservice-default-reviews.yaml");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(ApplyTest, ApplyingAnObjectAgainReplacesIt) {
  auto first = ApplyConfigFile(Write("v1.yaml", Route("v1")), Config());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, ::testing::ElementsAre("virtualservice default/reviews created"));
  auto second = ApplyConfigFile(Write("v2.yaml", Route("v2")), Config());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(*second, ::testing::ElementsAre("virtualservice default/reviews configured"));
  EXPECT_THAT(Installed(), HasSubstr("subset: v2"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "config"), fs::directory_iterator()), 2);
}

TEST_F(ApplyTest, AFileThatWouldNotLoadChangesNothing) {
  ASSERT_TRUE(ApplyConfigFile(Write("v1.yaml", Route("v1")), Config()).ok());
  auto bad = ApplyConfigFile(Write("v9.yaml", Route("v9")), Config());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("v9.yaml:7"));
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown subset 'v9'"));
  EXPECT_THAT(Installed(), HasSubstr("subset: v1"));
  auto unknown_field = ApplyConfigFile(Write("field.yaml", Route("v1") + "  bogus: 1\n"), Config());
  ASSERT_FALSE(unknown_field.ok());
  EXPECT_THAT(unknown_field.status().message(), HasSubstr("field.yaml:"));
  EXPECT_THAT(unknown_field.status().message(), HasSubstr("bogus"));
}

TEST_F(ApplyTest, DeleteRemovesTheObjectsButNotWhatOthersNeed) {
  const std::string route = Write("v1.yaml", Route("v1"));
  ASSERT_TRUE(ApplyConfigFile(route, Config()).ok());
  // The rule's subsets are used by the route: deleting the rule is refused.
  auto refused = DeleteConfigFile((dir_ / "rule.yaml").string(), Config());
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("not deleted"));
  EXPECT_TRUE(fs::exists(dir_ / "config" / "destinationrule-default-reviews.yaml"));
  auto deleted = DeleteConfigFile(route, Config());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(*deleted, ::testing::ElementsAre("virtualservice default/reviews deleted"));
  EXPECT_FALSE(fs::exists(dir_ / "config" / "virtualservice-default-reviews.yaml"));
}

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
