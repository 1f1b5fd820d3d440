// The configuration store behind `meshup apply`, `delete` and `get`, as a
// user drives it (the meshup binary on a configuration directory) and as a
// library (files written by hand).
#include "config_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRules[] = R"(# Two rules of one kind in one file.
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
)";

std::string Route(const std::string& subset) {
  return absl::StrCat("apiVersion: networking.istio.io/v1\nkind: VirtualService\n",
                      "metadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n",
                      "  - route:\n    - destination: {host: reviews, subset: ", subset, "}\n");
}

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("meshup-store-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "config");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::string Config() const { return (dir_ / "config").string(); }
  CommandResult Meshup(const std::string& args) {
    return testing::RunCommand(absl::StrCat(MESHUP_CLI, " ", args, " --config-dir ", Config()));
  }
  size_t ConfigFiles() const {
    return std::distance(fs::directory_iterator(dir_ / "config"), fs::directory_iterator());
  }

  fs::path dir_;
};

TEST_F(ConfigStoreTest, ApplySaysCreatedConfiguredOrUnchangedPerObject) {
  const std::string rules = Write("rules.yaml", kRules);
  CommandResult created = Meshup("apply -f " + rules);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output,
            "destinationrule.networking.istio.io/reviews created\n"
            "destinationrule.networking.istio.io/ratings created\n");
  CommandResult again = Meshup("apply " + rules);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output,
            "destinationrule.networking.istio.io/reviews unchanged\n"
            "destinationrule.networking.istio.io/ratings unchanged\n");
  CommandResult v1 = Meshup("apply " + Write("v1.yaml", Route("v1")));
  EXPECT_EQ(v1.output, "virtualservice.networking.istio.io/reviews created\n");
  CommandResult v2 = Meshup("apply " + Write("v2.yaml", Route("v2")));
  EXPECT_EQ(v2.output, "virtualservice.networking.istio.io/reviews configured\n");
  EXPECT_EQ(ConfigFiles(), 3u) << "one file per object";
  // The same object written otherwise (comments, flow style, key order,
  // quotes), as Istio's copy of a sample file is: unchanged.
  CommandResult same = Meshup("apply -f " + Write("v2-again.yaml", R"(# Reviews v2 only.
kind: VirtualService
apiVersion: "networking.istio.io/v1"
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        subset: v2
        host: 'reviews'
)"));
  EXPECT_EQ(same.output, "virtualservice.networking.istio.io/reviews unchanged\n");
  // Unchanged, it is left alone: its file and source stay those of v2.yaml.
  CommandResult route = Meshup("get vs reviews -o yaml");
  EXPECT_THAT(route.output, HasSubstr(absl::StrCat("# source: ", dir_.string(), "/v2.yaml\n")));
}

TEST_F(ConfigStoreTest, ApplyingADirectoryAppliesItsYamlFiles) {
  Write("task/rules.yaml", kRules);
  Write("task/route.yml", Route("v2"));
  Write("task/notes.txt", "not configuration");
  CommandResult result = Meshup("apply -f " + (dir_ / "task").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("destinationrule.networking.istio.io/ratings created"));
  EXPECT_THAT(result.output, HasSubstr("virtualservice.networking.istio.io/reviews created"));
  CommandResult empty =
      Meshup("apply " + (fs::create_directories(dir_ / "empty"), dir_ / "empty").string());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.output, HasSubstr("empty: no .yaml or .yml files"));
}

TEST_F(ConfigStoreTest, DeleteRemovesWhatTheFileNamesAndFailsOnWhatIsNotThere) {
  const std::string rules = Write("rules.yaml", kRules);
  ASSERT_EQ(Meshup("apply " + rules).exit_code, 0);
  const std::string route = Write("v1.yaml", Route("v1"));
  // Nothing applied from the route's file: an error, and nothing changes.
  CommandResult missing = Meshup("delete -f " + route);
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("virtualservice.networking.istio.io/reviews"));
  EXPECT_THAT(missing.output, HasSubstr("--ignore-not-found"));
  CommandResult ignored = Meshup("delete --ignore-not-found " + route);
  EXPECT_EQ(ignored.exit_code, 0) << ignored.output;
  // The rules go; a second delete finds nothing.
  CommandResult deleted = Meshup("delete " + rules);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(deleted.output,
            "destinationrule.networking.istio.io/reviews deleted\n"
            "destinationrule.networking.istio.io/ratings deleted\n");
  EXPECT_EQ(ConfigFiles(), 0u);
  EXPECT_NE(Meshup("delete " + rules).exit_code, 0);
}

// As kubectl: a file naming objects by apiVersion, kind and metadata is
// enough to delete them (what `meshup get -o yaml` of a name prints, trimmed).
TEST_F(ConfigStoreTest, DeleteNeedsOnlyWhatAFileNames) {
  ASSERT_EQ(Meshup("apply " + Write("rules.yaml", kRules)).exit_code, 0);
  const std::string names = Write("names.yaml", R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
  namespace: default
spec: {host: ratings, subsets: [{name: v1, noSuchField: 1}]}
)");
  CommandResult deleted = Meshup("delete -f " + names);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(deleted.output,
            "destinationrule.networking.istio.io/reviews deleted\n"
            "destinationrule.networking.istio.io/ratings deleted\n");
  EXPECT_EQ(ConfigFiles(), 0u);
  CommandResult nameless = Meshup("delete -f " + Write("nameless.yaml", "kind: DestinationRule\n"));
  EXPECT_EQ(nameless.exit_code, 1) << nameless.output;
  EXPECT_THAT(nameless.output, HasSubstr("nameless.yaml"));
}

// As kubectl, and as Istio's tasks clean up: objects by kind and name.
TEST_F(ConfigStoreTest, DeleteTakesLiveObjectsByKindAndName) {
  ASSERT_EQ(Meshup("apply " + Write("rules.yaml", kRules)).exit_code, 0);
  ASSERT_EQ(Meshup("apply " + Write("v1.yaml", Route("v1"))).exit_code, 0);
  CommandResult missing = Meshup("delete destinationrule.networking.istio.io/reviews vs/nothing");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output,
              HasSubstr("not deleted: virtualservice.networking.istio.io/nothing is not in the "
                        "live configuration"));
  EXPECT_EQ(Meshup("get dr reviews").exit_code, 0) << "nothing half-deleted";
  CommandResult route = Meshup("delete virtualservice.networking.istio.io/reviews");
  EXPECT_EQ(route.exit_code, 0) << route.output;
  EXPECT_EQ(route.output, "virtualservice.networking.istio.io/reviews deleted\n");
  CommandResult rules = Meshup("delete dr reviews ratings");
  EXPECT_EQ(rules.exit_code, 0) << rules.output;
  EXPECT_EQ(rules.output,
            "destinationrule.networking.istio.io/reviews deleted\n"
            "destinationrule.networking.istio.io/ratings deleted\n");
  CommandResult ignored = Meshup("delete vs/reviews --ignore-not-found");
  EXPECT_EQ(ignored.exit_code, 0) << ignored.output;
  EXPECT_EQ(ignored.output, "virtualservice.networking.istio.io/reviews not found (ignored)\n");
  CommandResult bare = Meshup("delete dr");
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_THAT(bare.output, HasSubstr("name the DestinationRule to delete"));
  EXPECT_EQ(ConfigFiles(), 0u);
}

TEST_F(ConfigStoreTest, AFileWhoseObjectsWouldNotLoadChangesNothing) {
  ASSERT_EQ(Meshup("apply " + Write("rules.yaml", kRules)).exit_code, 0);
  ASSERT_EQ(Meshup("apply " + Write("v1.yaml", Route("v1"))).exit_code, 0);
  // A new rule that loads, then a route to a subset no rule defines.
  const std::string bad = Write("bad.yaml", absl::StrCat(R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: details}
spec:
  host: details
---
)",
                                                         Route("v9")));
  CommandResult result = Meshup("apply " + bad);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output,
              HasSubstr("bad.yaml:13: VirtualService default/reviews: unknown subset 'v9'"));
  CommandResult get = Meshup("get");
  EXPECT_THAT(get.output, Not(HasSubstr("details")));
  CommandResult route = Meshup("get vs reviews -o yaml");
  EXPECT_THAT(route.output, HasSubstr("subset: v1"));
  // Deleting the rules the route needs is refused too.
  CommandResult refused = Meshup("delete " + (dir_ / "rules.yaml").string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("not deleted"));
  EXPECT_EQ(ConfigFiles(), 3u);
}

TEST_F(ConfigStoreTest, GetListsTheLiveObjectsAndTheirSources) {
  const std::string rules = Write("rules.yaml", kRules);
  const std::string route = Write("v2.yaml", Route("v2"));
  ASSERT_EQ(Meshup(absl::StrCat("apply -f ", rules, " -f ", route)).exit_code, 0);
  CommandResult all = Meshup("get");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_THAT(all.output,
              ::testing::MatchesRegex(absl::StrCat(
                  "KIND +NAMESPACE +NAME +SOURCE\n", "DestinationRule +default +ratings +", rules,
                  "\n", "DestinationRule +default +reviews +", rules, "\n",
                  "VirtualService +default +reviews +", route, "\n")));
  CommandResult rule = Meshup("get dr reviews -o yaml");
  ASSERT_EQ(rule.exit_code, 0) << rule.output;
  EXPECT_THAT(rule.output, HasSubstr(absl::StrCat("# source: ", rules, "\n")));
  EXPECT_THAT(rule.output, HasSubstr("kind: DestinationRule\nmetadata: {name: reviews}"));
  EXPECT_THAT(rule.output, Not(HasSubstr("ratings")));
  CommandResult names = Meshup("get virtualservices -o name");
  EXPECT_EQ(names.output, "virtualservice.networking.istio.io/reviews\n");
  CommandResult missing = Meshup("get vs details");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("virtualservice.networking.istio.io/details not found"));
  // A kind with no object says so, naming the kind: other kinds are live.
  CommandResult none = Meshup("get pa");
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.output, absl::StrCat("no PeerAuthentication objects in ", Config(), "\n"));
  CommandResult kind = Meshup("get gateway");
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_THAT(kind.output, HasSubstr("unknown kind 'gateway'"));
}

TEST_F(ConfigStoreTest, ApplyAndDeleteNeedARunningMesh) {
  const std::string rules = Write("rules.yaml", kRules);
  const std::string state = (dir_ / "state").string();
  fs::create_directories(dir_ / "state" / "config");
  for (const std::string& command :
       {absl::StrCat(MESHUP_CLI, " apply ", rules, " --state ", state),
        absl::StrCat(MESHUP_CLI, " delete ", rules, " --state ", state),
        absl::StrCat("MESHUP_STATE=", state, " ", MESHUP_CLI, " apply ", rules)}) {
    CommandResult result = testing::RunCommand(command);
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(absl::StrCat("no mesh runs from state directory ", state)))
        << command;
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "state" / "config")) << "nothing applied";
}

TEST_F(ConfigStoreTest, AnObjectInAHandWrittenFileIsReplacedWhereverItIs) {
  Write("config/by-hand.yaml", absl::StrCat(kRules, "---\n", Route("v1")));
  ConfigStore store(Config());
  absl::StatusOr<ChangeResult> applied =
      store.Apply({{"v2.yaml", Route("v2")}}, "/somewhere/v2.yaml");
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(applied->changes.size(), 1u);
  EXPECT_EQ(applied->changes[0].ToString(),
            "virtualservice.networking.istio.io/reviews configured");
  absl::StatusOr<std::vector<StoredObject>> objects = store.List();
  ASSERT_TRUE(objects.ok()) << objects.status();
  std::vector<std::string> listed;
  for (const StoredObject& object : *objects) {
    listed.push_back(absl::StrCat(object.kind, " ", object.name, " ", object.source));
  }
  const std::string by_hand = (dir_ / "config" / "by-hand.yaml").string();
  EXPECT_THAT(listed, ElementsAre("DestinationRule ratings " + by_hand,
                                  "DestinationRule reviews " + by_hand,
                                  "VirtualService reviews /somewhere/v2.yaml"));
  absl::StatusOr<ChangeResult> deleted = store.Delete({{"rules.yaml", kRules}}, false);
  EXPECT_FALSE(deleted.ok()) << "the route needs the rules";
}

TEST_F(ConfigStoreTest, NamesThatAreNoKubernetesNamesAreRefused) {
  ConfigStore store(Config());
  for (const char* name : {"../escape", "Reviews", "a/b"}) {
    absl::StatusOr<ChangeResult> applied = store.Apply(
        {{"bad.yaml", absl::StrCat("apiVersion: networking.istio.io/v1\nkind: DestinationRule\n",
                                   "metadata: {name: '", name, "'}\nspec:\n  host: reviews\n")}});
    ASSERT_FALSE(applied.ok()) << name;
    EXPECT_THAT(applied.status().message(), HasSubstr("is not a valid name")) << name;
  }
  EXPECT_EQ(ConfigFiles(), 0u);
}

// Workloads reload on every file change: each step of a change should load.
TEST(ChangeOrderTest, ARouteChangesBeforeTheSubsetItUsedGoes) {
  const std::string rule_v1 = absl::StrCat(
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\n",
      "spec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]\n");
  const Files before = {{"destinationrule.default.reviews.yaml", kRules},
                        {"virtualservice.default.reviews.yaml", Route("v2")}};
  // The route leaves v2 and the rule drops it: the route first.
  EXPECT_THAT(
      ChangeOrder(before, {{"destinationrule.default.reviews.yaml", rule_v1},
                           {"virtualservice.default.reviews.yaml", Route("v1")}}),
      ElementsAre("virtualservice.default.reviews.yaml", "destinationrule.default.reviews.yaml"));
  // Deleting both: the route first.
  EXPECT_THAT(ChangeOrder(before, {}), ElementsAre("virtualservice.default.reviews.yaml",
                                                   "destinationrule.default.reviews.yaml"));
  // Adding both: the rule first.
  EXPECT_THAT(ChangeOrder({}, {{"a-route.yaml", Route("v2")}, {"b-rule.yaml", kRules}}),
              ElementsAre("b-rule.yaml", "a-route.yaml"));
}

TEST(KindTest, KindsAsKubectlSpellsThem) {
  for (const char* word :
       {"vs", "VirtualService", "virtualservices", "virtualservice.networking.istio.io"}) {
    EXPECT_EQ(KindOf(word), "VirtualService") << word;
  }
  EXPECT_EQ(KindOf("dr"), "DestinationRule");
  EXPECT_EQ(KindOf("authorizationpolicies"), "AuthorizationPolicy");
  EXPECT_EQ(KindOf("gateway"), "");
}

}  // namespace
}  // namespace meshup::cli
