// A running mesh's live configuration, as a new user drives it: `meshup up`
// installs the sample's rules as objects that `meshup apply`, `delete` and
// `get` address by kind and name, as kubectl does a cluster's.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

namespace fs = std::filesystem;
using meshup::testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;

// Bookinfo's four rules with every version's subset, as Istio's traffic
// tasks install them (no traffic policy).
constexpr char kAllRules[] = R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: productpage}
spec:
  host: productpage
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: details}
spec:
  host: details
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
)";

const std::string kSampleRules =
    absl::StrCat(MESHUP_SOURCE_DIR, "/samples/bookinfo/config/destination-rule-all-mtls.yaml");

class LiveConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new fs::path(fs::temp_directory_path() / absl::StrCat("meshup-live-", getpid()));
    fs::remove_all(*state_);
    CommandResult up = Meshup(absl::StrCat("up ", MESHUP_SOURCE_DIR, "/samples/bookinfo --detach ",
                                           "--port 0 --bin-dir ", BOOKINFO_BIN_DIR));
    ASSERT_EQ(up.exit_code, 0) << up.output;
  }

  static void TearDownTestSuite() {
    std::ifstream in(*state_ / "state.json");
    nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    Meshup("down");
    // Whatever `down` could not stop.
    if (state.is_object() && state["workloads"].is_array()) {
      for (const auto& workload : state["workloads"]) {
        const int pid = workload.value("pid", 0);
        if (pid > 1) kill(pid, SIGKILL);
      }
    }
    fs::remove_all(*state_);
  }

  void SetUp() override {
    if (!fs::exists(*state_ / "state.json")) GTEST_SKIP() << "meshup up failed";
  }

  static CommandResult Meshup(const std::string& args) {
    return meshup::testing::RunCommand(
        absl::StrCat("timeout 60 ", MESHUP_CLI, " ", args, " --state ", state_->string()));
  }
  static std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(*state_ / name) << text;
    return (*state_ / name).string();
  }

  static fs::path* state_;
};

fs::path* LiveConfigTest::state_ = nullptr;

TEST_F(LiveConfigTest, TheSampleRulesAreObjectsThatApplyReplaces) {
  CommandResult applied = Meshup("apply -f " + Write("destination-rule-all.yaml", kAllRules));
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output,
              HasSubstr("destinationrule.networking.istio.io/productpage configured"));
  EXPECT_THAT(applied.output, HasSubstr("destinationrule.networking.istio.io/details configured"));
  EXPECT_THAT(applied.output, Not(HasSubstr("defined twice")));
  // The route applies against the new rules; then the sample's come back.
  CommandResult restored = Meshup("apply " + kSampleRules);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_THAT(restored.output, HasSubstr("destinationrule.networking.istio.io/reviews configured"));
}

TEST_F(LiveConfigTest, DeletingTheSampleFileRemovesItsRules) {
  CommandResult deleted = Meshup("delete " + kSampleRules);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, HasSubstr("destinationrule.networking.istio.io/reviews deleted"));
  EXPECT_THAT(deleted.output, Not(HasSubstr("not found")));
  CommandResult rules = Meshup("get destinationrules");
  EXPECT_EQ(rules.exit_code, 0) << rules.output;
  EXPECT_THAT(rules.output, Not(HasSubstr("reviews")));
  CommandResult again = Meshup("delete " + kSampleRules);
  EXPECT_NE(again.exit_code, 0) << "nothing left to delete: " << again.output;
  CommandResult restored = Meshup("apply " + kSampleRules);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_THAT(restored.output, HasSubstr("destinationrule.networking.istio.io/reviews created"));
}

TEST_F(LiveConfigTest, GetShowsWhereEachObjectCameFrom) {
  CommandResult all = Meshup("get");
  EXPECT_EQ(all.exit_code, 0) << all.output;
  EXPECT_THAT(all.output, ::testing::MatchesRegex(
                              absl::StrCat("(.|\n)*DestinationRule +default +reviews +",
                                           fs::path(kSampleRules).lexically_normal().string(),
                                           "\n(.|\n)*Mesh +default +mesh +meshup up\n(.|\n)*")));
}

TEST_F(LiveConfigTest, ARouteToAnUnknownHostAppliesWithTheCheckWarning) {
  const std::string route = Write("route.yaml", R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: nowhere}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: nowhere}
)");
  CommandResult applied = Meshup("apply " + route);
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("virtualservice.networking.istio.io/nowhere created"));
  EXPECT_THAT(applied.output, HasSubstr("route.yaml:7: error MU0101"));
  CommandResult deleted = Meshup("delete " + route);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
}

TEST_F(LiveConfigTest, TheHttpFrontEndIsInTheRegistryForTheCheck) {
  // `meshup check` of the live directory knows the workloads from the
  // registry alone: the HTTP-only productpage registers like the others, so
  // its subset matches a workload.
  CommandResult applied = Meshup("apply -f " + Write("destination-rule-all.yaml", kAllRules));
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  CommandResult checked = meshup::testing::RunCommand(
      absl::StrCat("timeout 60 ", MESHUP_CLI, " check ", (*state_ / "config").string()));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_THAT(checked.output, Not(HasSubstr("productpage"))) << checked.output;
  CommandResult restored = Meshup("apply " + kSampleRules);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;
}

TEST_F(LiveConfigTest, UpOnARunningMeshSaysItRunsWhateverTheSample) {
  CommandResult again = Meshup("up /nonexistent-sample --port 0 --detach");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("a mesh already runs from")) << again.output;
  EXPECT_THAT(again.output, Not(HasSubstr("deploy.yaml"))) << again.output;
}

TEST_F(LiveConfigTest, ABookinfoTaskAppliesWithoutWarnings) {
  // Every host is served, the front end's too.
  const std::string task =
      absl::StrCat(MESHUP_SOURCE_DIR, "/samples/bookinfo/networking/virtual-service-all-v1.yaml");
  CommandResult applied = Meshup("apply " + task);
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("virtualservice.networking.istio.io/productpage created"));
  EXPECT_THAT(applied.output, Not(HasSubstr("Warning")));
  CommandResult deleted = Meshup("delete " + task);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
}

// `meshup check` with no directory checks the running mesh's configuration
// against what it runs: the product page, which does not register, too.
TEST_F(LiveConfigTest, CheckWithoutADirectoryChecksTheRunningMesh) {
  CommandResult clean = Meshup("check");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_THAT(clean.output, HasSubstr("/config: 0 error(s), 0 warning(s)")) << clean.output;
  // Istio's rules name subsets bookinfo does not run (ratings v2): those
  // warn; productpage's v1, which runs, does not.
  ASSERT_EQ(Meshup("apply -f " + Write("destination-rule-all.yaml", kAllRules)).exit_code, 0);
  CommandResult warned = Meshup("check");
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("subset 'v2' of host 'ratings' matches no workload"));
  EXPECT_THAT(warned.output, Not(HasSubstr("host 'productpage'")));
  EXPECT_EQ(Meshup("check --strict").exit_code, 1);
  ASSERT_EQ(Meshup("apply " + kSampleRules).exit_code, 0);
  CommandResult none = meshup::testing::RunCommand(
      absl::StrCat(MESHUP_CLI, " check --state ", (*state_ / "nothing-here").string()));
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_THAT(none.output, HasSubstr("no mesh runs from state directory"));
}

// Istio's traffic tasks apply destination-rule-all.yaml, whose subsets
// bookinfo does not all run (ratings v2), then one route after another:
// each apply warns about what it applies, not again about those subsets.
TEST_F(LiveConfigTest, ApplyWarnsAboutWhatItAppliesAndWhatItBreaksOnly) {
  CommandResult rules = Meshup("apply -f " + Write("destination-rule-all.yaml", kAllRules));
  EXPECT_EQ(rules.exit_code, 0) << rules.output;
  EXPECT_THAT(rules.output, HasSubstr("warning MU0103: DestinationRule default/ratings: subset "
                                      "'v2' of host 'ratings' matches no workload"));
  const std::string task =
      absl::StrCat(MESHUP_SOURCE_DIR, "/samples/bookinfo/networking/virtual-service-all-v1.yaml");
  CommandResult routes = Meshup("apply " + task);
  EXPECT_EQ(routes.exit_code, 0) << routes.output;
  EXPECT_THAT(routes.output, HasSubstr("virtualservice.networking.istio.io/reviews created"));
  EXPECT_THAT(routes.output, Not(HasSubstr("Warning"))) << "the ratings v2 subset is old news";
  // A field that has no effect is the applied rule's own warning.
  CommandResult pool = Meshup("apply -f " + Write("reviews-pool.yaml", R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 1}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
)"));
  EXPECT_EQ(pool.exit_code, 0) << pool.output;
  EXPECT_THAT(pool.output,
              HasSubstr("reviews-pool.yaml:8:28: warning MU0002: DestinationRule default/reviews: "
                        "spec.trafficPolicy.connectionPool.tcp.maxConnections: has "
                        "no effect in MeshUp and is ignored"));
  EXPECT_THAT(pool.output, Not(HasSubstr("MU0103"))) << pool.output;
  CommandResult deleted = Meshup("delete " + task);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, Not(HasSubstr("Warning")));
  CommandResult restored = Meshup("apply " + kSampleRules);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;
}

// A route to a subset no workload matches applies, as on Istio, but its
// error is called one, and the user is told the change stands.
TEST_F(LiveConfigTest, ApplyWithAnErrorSaysItAppliedAnyway) {
  CommandResult applied = Meshup("apply -f " + Write("reviews-v9.yaml", R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v9, labels: {version: v9}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v9}}]
)"));
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("virtualservice.networking.istio.io/reviews created"));
  EXPECT_THAT(applied.output,
              ::testing::ContainsRegex("Error: [^\n]*reviews-v9.yaml:[0-9]+: error MU0102: "));
  EXPECT_THAT(applied.output, Not(HasSubstr("Warning: ")));
  EXPECT_THAT(applied.output, HasSubstr("meshup apply: done, as Istio does it, despite 1 error(s) "
                                        "above: the calls they concern fail until the "
                                        "configuration is fixed"));
  CommandResult deleted = Meshup("delete virtualservice reviews");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  CommandResult restored = Meshup("apply " + kSampleRules);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;
}

}  // namespace
