// `meshup check`'s findings: each one with a configuration that triggers it
// and one that does not.
#include "config_check.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kWorkloads[] = R"(
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v1}
spec: {address: 10.0.0.1, labels: {app: reviews, version: v1}, serviceAccount: bookinfo-reviews}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-v1}
spec: {address: 10.0.0.2, labels: {app: ratings, version: v1}, serviceAccount: bookinfo-ratings}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
)";

std::vector<Finding> Check(const std::string& yaml, const std::vector<KnownWorkload>& extra = {}) {
  auto snapshot = config::LoadConfigFiles({{"workloads.yaml", kWorkloads}, {"test.yaml", yaml}});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  if (!snapshot.ok()) return {};
  return CheckSnapshot(**snapshot, extra);
}

std::vector<std::string> Codes(const std::vector<Finding>& findings) {
  std::vector<std::string> codes;
  for (const Finding& finding : findings) codes.push_back(finding.code);
  return codes;
}

std::string VirtualService(const std::string& name, const std::string& host,
                           const std::string& http) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name +
         "}\nspec:\n  hosts: [" + host + "]\n  http:\n" + http;
}

TEST(ConfigCheckTest, AConsistentConfigurationHasNoFindings) {
  EXPECT_THAT(Check(VirtualService("reviews", "reviews",
                                   "  - route: [{destination: {host: reviews, subset: v1}}]\n")),
              IsEmpty());
}

TEST(ConfigCheckTest, MU0101RouteToAnUnknownHost) {
  std::vector<Finding> findings =
      Check(VirtualService("reviews", "reviews", "  - route: [{destination: {host: reveiws}}]\n"));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0101"));
  EXPECT_EQ(findings[0].severity, Finding::Severity::kError);
  EXPECT_EQ(findings[0].ToString(),
            "test.yaml:7: error MU0101: VirtualService default/reviews: http[0] routes to host "
            "'reveiws', which no workload or ServiceEntry serves");
  // A mirror to an unknown host too.
  EXPECT_THAT(Codes(Check(VirtualService("reviews", "reviews",
                                         "  - route: [{destination: {host: reviews}}]\n"
                                         "    mirror: {host: shadow}\n"))),
              ::testing::ElementsAre("MU0101"));
  // A host a ServiceEntry serves, or a workload of the registry, exists.
  EXPECT_THAT(
      Check(VirtualService("reviews", "reviews", "  - route: [{destination: {host: extra}}]\n"),
            {{"default", {{"app", "extra"}}, "extra-sa"}}),
      IsEmpty());
  EXPECT_THAT(Check(VirtualService("ext", "httpbin.org",
                                   "  - route: [{destination: {host: httpbin.org}}]\n") +
                    "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                    "metadata: {name: httpbin}\nspec: {hosts: [httpbin.org], resolution: DNS,"
                    " ports: [{number: 443, name: https, protocol: TLS}]}\n"),
              IsEmpty());
}

TEST(ConfigCheckTest, MU0102RouteToASubsetNoWorkloadMatches) {
  const std::string rule = R"(---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
)";
  std::vector<Finding> findings =
      Check(VirtualService("ratings", "ratings",
                           "  - route: [{destination: {host: ratings, subset: v2}}]\n") +
            rule);
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0102"));
  EXPECT_THAT(findings[0].message,
              HasSubstr("routes to subset 'v2' of host 'ratings', which no workload matches"));
  EXPECT_THAT(Check(VirtualService("ratings", "ratings",
                                   "  - route: [{destination: {host: ratings, subset: v2}}]\n") +
                        rule,
                    {{"default", {{"app", "ratings"}, {"version", "v2"}}, "bookinfo-ratings"}}),
              IsEmpty());
}

// The loader accepts a route to a subset no DestinationRule defines, as
// Istio does; the check says its calls fail.
TEST(ConfigCheckTest, MU0102RouteToASubsetNoDestinationRuleDefines) {
  std::vector<Finding> findings = Check(VirtualService(
      "reviews", "reviews", "  - route: [{destination: {host: reviews, subset: v9}}]\n"));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0102"));
  EXPECT_EQ(findings[0].severity, Finding::Severity::kError);
  EXPECT_THAT(findings[0].message,
              HasSubstr("routes to subset 'v9' of host 'reviews', which no DestinationRule "
                        "defines: its calls fail with UNAVAILABLE"));
}

// A wildcard rule ("*.local", Istio's mesh-wide one) covers hosts that
// need not exist yet: its subsets are no finding.
TEST(ConfigCheckTest, AWildcardRulesSubsetsAreNoFinding) {
  EXPECT_THAT(Check("apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                    "metadata: {name: mesh-wide}\nspec:\n  host: \"*.local\"\n"
                    "  subsets: [{name: canary, labels: {track: canary}}]\n"),
              IsEmpty());
}

TEST(ConfigCheckTest, MU0103SubsetNoWorkloadMatches) {
  const std::string rule = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v9, labels: {version: v9}}
)";
  std::vector<Finding> findings = Check(rule);
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0103"));
  EXPECT_EQ(findings[0].severity, Finding::Severity::kWarning);
  EXPECT_THAT(findings[0].ToString(), HasSubstr("test.yaml:2: warning MU0103:"));
  EXPECT_THAT(findings[0].message, HasSubstr("subset 'v9' of host 'ratings' matches no workload"));
  EXPECT_THAT(Check(rule, {{"default", {{"app", "ratings"}, {"version", "v9"}}, ""}}), IsEmpty());
}

TEST(ConfigCheckTest, MU0104RoutesAfterACatchAll) {
  const std::string first =
      "  - name: GetReviews\n    match: [{uri: {exact: /r.R/Get}}]\n"
      "    route: [{destination: {host: reviews}}]\n";
  const std::string last =
      "  - name: late\n    match: [{uri: {exact: /r.R/Put}}]\n"
      "    route: [{destination: {host: reviews}}]\n";
  for (const std::string& catch_all :
       {std::string("  - name: all\n    route: [{destination: {host: reviews}}]\n"),
        std::string("  - name: all\n    match: [{uri: {prefix: /}}]\n"
                    "    route: [{destination: {host: reviews}}]\n"),
        std::string("  - name: all\n    match: [{uri: {exact: /x}}, {}]\n"
                    "    route: [{destination: {host: reviews}}]\n")}) {
    std::vector<Finding> findings =
        Check(VirtualService("reviews", "reviews", first + catch_all + last));
    ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0104")) << catch_all;
    EXPECT_THAT(findings[0].message,
                HasSubstr("http[2] 'late' can never match: http[1] 'all' before it matches "
                          "every request"));
  }
  // A catch-all last, or a header match that only looks general, is fine.
  EXPECT_THAT(
      Check(VirtualService("reviews", "reviews",
                           "  - match: [{uri: {prefix: /}, headers: {end-user: {exact: jason}}}]\n"
                           "    route: [{destination: {host: reviews}}]\n" +
                               first + "  - route: [{destination: {host: reviews}}]\n")),
      IsEmpty());
}

TEST(ConfigCheckTest, MU0105TwoVirtualServicesForOneHost) {
  const std::string route = "  - route: [{destination: {host: reviews}}]\n";
  std::vector<Finding> findings = Check(VirtualService("reviews", "reviews", route) + "---\n" +
                                        VirtualService("reviews-canary", "reviews", route));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0105"));
  EXPECT_THAT(findings[0].ToString(),
              HasSubstr("test.yaml:9: error MU0105: VirtualService default/reviews-canary: host "
                        "'reviews' is already routed by VirtualService default/reviews"));
  EXPECT_THAT(
      Check(VirtualService("reviews", "reviews", route) + "---\n" +
            VirtualService("ratings", "ratings", "  - route: [{destination: {host: ratings}}]\n")),
      IsEmpty());
}

TEST(ConfigCheckTest, MU0106PolicyNamingAnUnusedServiceAccount) {
  auto policy = [](const std::string& principal) {
    return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: "
           "ratings}\nspec:\n  selector: {matchLabels: {app: ratings}}\n  rules:\n  - from:\n"
           "    - source: {principals: [\"" +
           principal + "\"]}\n";
  };
  std::vector<Finding> findings = Check(policy("cluster.local/ns/default/sa/bookinfo-reveiws"));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0106"));
  EXPECT_THAT(findings[0].message,
              HasSubstr("principal 'cluster.local/ns/default/sa/bookinfo-reveiws' is no "
                        "workload's service account"));
  // The right name, another namespace's workload, or a pattern: fine.
  EXPECT_THAT(Check(policy("cluster.local/ns/default/sa/bookinfo-reviews")), IsEmpty());
  EXPECT_THAT(Check(policy("cluster.local/ns/ops/sa/auditor"), {{"ops", {}, "auditor"}}),
              IsEmpty());
  EXPECT_THAT(Check(policy("cluster.local/ns/default/sa/*")), IsEmpty());
}

// Fields that load and do nothing (Istio's circuit-breaking rule sets
// several) are the loader's warnings; the check shows them, once each.
TEST(ConfigCheckTest, MU0002TheLoadersWarnings) {
  const std::string rule = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-pool}
spec:
  host: ratings
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, http2MaxRequests: 1}
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m}
  subsets: [{name: v1, labels: {version: v1}}]
)";
  std::vector<Finding> findings = Check(rule);
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0002", "MU0002", "MU0002"));
  std::vector<std::string> lines;
  for (const Finding& finding : findings) {
    EXPECT_EQ(finding.severity, Finding::Severity::kWarning);
    lines.push_back(finding.ToString());
  }
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre(
                         HasSubstr("test.yaml:9:13: warning MU0002: DestinationRule "
                                   "default/reviews-pool: spec.trafficPolicy.connectionPool.tcp."
                                   "maxConnections: has no effect in MeshUp and is ignored"),
                         HasSubstr("connectionPool.http.http1MaxPendingRequests: has no effect"),
                         HasSubstr("outlierDetection.interval: has no effect")));
  // What MU0102 and MU0105 say, the loader also warns: said once.
  const std::string route = "  - route: [{destination: {host: reviews, subset: v9}}]\n";
  EXPECT_THAT(Codes(Check(VirtualService("reviews", "reviews", route) + "---\n" +
                          VirtualService("reviews-canary", "reviews", route))),
              ::testing::UnorderedElementsAre("MU0102", "MU0102", "MU0105"));
}

// gRPC calls are POST: Istio's HTTP policies, methods: ["GET"], match none,
// so an ALLOW rule allows nothing and a DENY rule denies nothing.
TEST(ConfigCheckTest, MU0107PolicyMethodsThatNoGrpcCallHas) {
  auto policy = [](const std::string& action, const std::string& operation) {
    return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: "
           "ratings}\nspec:\n  selector: {matchLabels: {app: ratings}}\n  action: " +
           action + "\n  rules:\n  - to:\n    - operation: " + operation + "\n";
  };
  std::vector<Finding> findings = Check(policy("DENY", "{methods: [GET]}"));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0107"));
  EXPECT_EQ(findings[0].ToString(),
            "test.yaml:1: warning MU0107: AuthorizationPolicy default/ratings: rules[0].to[0]: "
            "methods [GET] leave out POST, and every gRPC call is POST: this operation matches "
            "no call, so the rule denies nothing");
  findings = Check(policy("ALLOW", "{notMethods: [\"P*\"]}"));
  ASSERT_THAT(Codes(findings), ::testing::ElementsAre("MU0107"));
  EXPECT_THAT(findings[0].message, HasSubstr("notMethods covers POST"));
  EXPECT_THAT(findings[0].message, HasSubstr("the rule allows nothing"));
  // POST, a pattern that covers it, or a notMethods without it: fine.
  EXPECT_THAT(Check(policy("DENY", "{methods: [GET, POST]}")), IsEmpty());
  EXPECT_THAT(Check(policy("DENY", "{methods: [\"*\"]}")), IsEmpty());
  EXPECT_THAT(Check(policy("ALLOW", "{notMethods: [GET]}")), IsEmpty());
}

// `meshup check DIR` of a running mesh's live configuration: the workloads
// of the registry its Mesh document names count, as the workloads find it.
TEST(ConfigCheckTest, TheRegistryTheMeshDocumentNamesCounts) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() /
      absl::StrCat("meshup-check-", ::testing::UnitTest::GetInstance()->random_seed(), "-",
                   ::getpid());
  std::filesystem::create_directories(root / "config");
  std::filesystem::create_directories(root / "registry");
  std::ofstream(root / "config" / "mesh.yaml")
      << "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\nspec:\n"
      << "  registry: {type: file, directory: " << (root / "registry").string() << "}\n";
  std::ofstream(root / "config" / "rules.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ratings}\n"
      << "spec:\n  host: ratings\n  subsets: [{name: v1, labels: {version: v1}}]\n";
  std::ofstream(root / "registry" / "ratings-v1.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
      << "metadata: {name: ratings-v1}\nspec: {address: 127.0.0.1, ports: {grpc: 9083}, "
      << "labels: {app: ratings, version: v1}, serviceAccount: bookinfo-ratings}\n";
  CheckOptions options;
  options.config_dir = (root / "config").string();
  absl::StatusOr<std::vector<Finding>> findings = CheckConfig(options);
  std::filesystem::remove_all(root);
  ASSERT_TRUE(findings.ok()) << findings.status();
  EXPECT_THAT(Codes(*findings), IsEmpty());
}

TEST(ConfigCheckTest, MU0001ADirectoryThatDoesNotLoad) {
  absl::StatusOr<std::vector<Finding>> findings =
      CheckConfig({MESHUP_CHECK_TESTDATA "/does-not-exist", "", ""});
  ASSERT_TRUE(findings.ok());
  ASSERT_THAT(Codes(*findings), ::testing::ElementsAre("MU0001"));
  EXPECT_THAT(findings->front().ToString(),
              HasSubstr("error MU0001: cannot read config directory"));
}

}  // namespace
}  // namespace meshup::cli
