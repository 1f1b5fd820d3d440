// Several documents about one host, combined as Istio combines them.
#include "config/merge.h"

#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A DestinationRule `name` of reviews; `created` is its
// metadata.creationTimestamp (none when empty); `body` ends its spec.
std::string Rule(const std::string& name, const std::string& created, const std::string& body) {
  std::string metadata = "metadata:\n  name: " + name + "\n";
  if (!created.empty()) metadata += "  creationTimestamp: \"" + created + "\"\n";
  return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n" + metadata +
         "spec:\n  host: reviews.default.svc.cluster.local\n" + body;
}

std::vector<std::string> SubsetNames(const DestinationRule& rule) {
  std::vector<std::string> names;
  for (const Subset& subset : rule.subsets) names.push_back(subset.name);
  return names;
}

TEST(MergeTest, DestinationRulesOfOneHostJoinTheirSubsets) {
  // Istio's bookinfo rule for reviews beside a second rule with its own name.
  auto snapshot = LoadConfigFiles(
      {{"a.yaml", Rule("reviews", "",
                       "  subsets:\n  - name: v1\n    labels: {version: v1}\n"
                       "  - name: v2\n    labels: {version: v2}\n")},
       {"b.yaml", Rule("reviews-canary", "",
                       "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n"
                       "  subsets:\n  - name: v2\n    labels: {version: canary}\n"
                       "  - name: v3\n    labels: {version: v3}\n")},
       {"c.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n"
        "spec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, "
        "subset: v3}\n"}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const DestinationRule* rule = (*snapshot)->DestinationRuleFor("reviews");
  ASSERT_NE(rule, nullptr);
  EXPECT_THAT(SubsetNames(*rule), ElementsAre("v1", "v2", "v3"));
  // A subset defined again keeps its first definition.
  EXPECT_EQ(rule->FindSubset("v2")->labels.at("version"), "v2");
  // The first rule has no trafficPolicy: the next one's applies.
  ASSERT_TRUE(rule->traffic_policy.has_value());
  EXPECT_EQ(rule->traffic_policy->load_balancer->policy, LoadBalancer::Policy::kRoundRobin);
  ASSERT_EQ(rule->merged_from.size(), 2u);
  EXPECT_EQ(rule->merged_from[0].name, "reviews");
  EXPECT_EQ(rule->merged_from[1].name, "reviews-canary");
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("b.yaml:1: DestinationRule default/reviews-canary: subset "
                                    "'v2' of host 'reviews' is already defined")));
  // Both rules stay as written.
  EXPECT_EQ((*snapshot)->destination_rules.size(), 2u);
}

TEST(MergeTest, TheOldestRulesTrafficPolicyWinsByCreationTimestamp) {
  // Read first, but created later.
  auto snapshot =
      LoadConfigFiles({{"a.yaml", Rule("newer", "2024-02-01T00:00:00Z",
                                       "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n"
                                       "  subsets:\n  - name: v1\n    labels: {version: newer}\n")},
                       {"b.yaml", Rule("older", "2024-01-01T00:00:00Z",
                                       "  trafficPolicy:\n    loadBalancer: {simple: RANDOM}\n"
                                       "  subsets:\n  - name: v1\n    labels: {version: older}\n"
                                       "  - name: v2\n    labels: {version: v2}\n")}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const DestinationRule* rule = (*snapshot)->DestinationRuleFor("reviews");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->traffic_policy->load_balancer->policy, LoadBalancer::Policy::kRandom);
  EXPECT_THAT(SubsetNames(*rule), ElementsAre("v1", "v2"));
  EXPECT_EQ(rule->FindSubset("v1")->labels.at("version"), "older");
  EXPECT_EQ(rule->origin.name, "older");
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("a.yaml:1: DestinationRule default/newer: subset 'v1'"),
                          HasSubstr("a.yaml:1: DestinationRule default/newer: the trafficPolicy "
                                    "of host 'reviews' is that of the older DestinationRule "
                                    "default/older (b.yaml:1)")));
}

TEST(MergeTest, WithoutTimestampsTheFirstReadIsTheOldest) {
  auto snapshot = LoadConfigFiles(
      {{"a.yaml", Rule("first", "", "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n")},
       {"b.yaml", Rule("second", "", "  trafficPolicy:\n    loadBalancer: {simple: RANDOM}\n")},
       // A rule with a timestamp is older than one without.
       {"c.yaml", Rule("stamped", "2020-01-01T00:00:00Z", "  subsets:\n  - name: v1\n")}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const DestinationRule* rule = (*snapshot)->DestinationRuleFor("reviews");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->origin.name, "stamped");
  EXPECT_EQ(rule->traffic_policy->load_balancer->policy, LoadBalancer::Policy::kRoundRobin);
}

TEST(MergeTest, EquallyOldRulesAreOrderedByName) {
  auto snapshot = LoadConfigFiles(
      {{"a.yaml", Rule("zeta", "2024-01-01T00:00:00Z",
                       "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n")},
       {"b.yaml", Rule("alpha", "2024-01-01T00:00:00Z",
                       "  trafficPolicy:\n    loadBalancer: {simple: RANDOM}\n")}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->DestinationRuleFor("reviews")->traffic_policy->load_balancer->policy,
            LoadBalancer::Policy::kRandom);
}

TEST(MergeTest, AHostsOnlyRuleIsNotMarkedMerged) {
  auto snapshot = LoadConfigFiles({{"a.yaml", Rule("reviews", "", "  subsets:\n  - name: v1\n")}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT((*snapshot)->DestinationRuleFor("reviews")->merged_from, IsEmpty());
  EXPECT_THAT((*snapshot)->warnings, IsEmpty());
}

std::string Route(const std::string& name, const std::string& created, const std::string& host) {
  std::string metadata = "metadata:\n  name: " + name + "\n";
  if (!created.empty()) metadata += "  creationTimestamp: " + created + "\n";
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n" + metadata +
         "spec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: " + host +
         "}\n";
}

TEST(MergeTest, TheOldestVirtualServiceRoutesAHost) {
  auto snapshot = LoadConfigFiles({{"a.yaml", Route("newer", "2024-02-01T00:00:00Z", "ratings")},
                                   {"b.yaml", Route("older", "2024-01-01T00:00:00Z", "details")}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->VirtualServiceFor("reviews")->origin.name, "older");
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("a.yaml:1: VirtualService default/newer: host 'reviews' is "
                                    "already routed by VirtualService default/older (b.yaml:1)")));
}

TEST(MergeTest, ABadCreationTimestampIsRefused) {
  auto snapshot = LoadConfigFiles({{"a.yaml", Route("r", "yesterday", "ratings")}});
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(snapshot.status().message(),
              HasSubstr("a.yaml:5:22: VirtualService default/r: metadata.creationTimestamp: "
                        "'yesterday' is not an RFC 3339 timestamp"));
}

}  // namespace
}  // namespace meshup::config
