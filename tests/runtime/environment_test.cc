#include "meshup/environment.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup {
namespace {

using ::testing::HasSubstr;

class EnvironmentTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"MESHUP_SERVICE", "MESHUP_VERSION", "MESHUP_NAMESPACE", "MESHUP_CONFIG_DIR",
                             "MESHUP_REGISTRY_DIR", "MESHUP_IDENTITY_DIR", "MESHUP_HOST", "MESHUP_PORT"}) {
      unsetenv(name);
    }
  }
};

TEST_F(EnvironmentTest, VariablesOverrideDefaultsAndEmptyOnesDoNot) {
  setenv("MESHUP_SERVICE", "reviews", 1);
  setenv("MESHUP_VERSION", "v3", 1);
  setenv("MESHUP_IDENTITY_DIR", "/state/certs/reviews", 1);
  setenv("MESHUP_NAMESPACE", "", 1);
  MeshOptions defaults;
  defaults.namespace_name = "bookinfo";
  defaults.config_dir = "/etc/mesh";
  absl::StatusOr<MeshOptions> options = MeshOptionsFromEnvironment(defaults);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->service, "reviews");
  EXPECT_EQ(options->version, "v3");
  EXPECT_EQ(options->identity_dir, "/state/certs/reviews");
  EXPECT_EQ(options->namespace_name, "bookinfo");
  EXPECT_EQ(options->config_dir, "/etc/mesh");
}

TEST_F(EnvironmentTest, ReadsServerAddress) {
  setenv("MESHUP_HOST", "0.0.0.0", 1);
  setenv("MESHUP_PORT", "9080", 1);
  absl::StatusOr<ServerOptions> options = ServerOptionsFromEnvironment();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "0.0.0.0");
  EXPECT_EQ(options->port, 9080);
}

TEST_F(EnvironmentTest, ABadPortNamesTheVariable) {
  for (const char* bad : {"http", "-1", "65536", "80x"}) {
    setenv("MESHUP_PORT", bad, 1);
    absl::StatusOr<ServerOptions> options = ServerOptionsFromEnvironment();
    ASSERT_FALSE(options.ok()) << bad;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(options.status().message(), HasSubstr("MESHUP_PORT"));
  }
}

}  // namespace
}  // namespace meshup
