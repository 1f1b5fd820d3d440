// The model the runtime routes by, as the snapshot translates it from
// Istio's documents: a route table per host, clusters per host and subset.
#include <string>

#include "config/loader.h"
#include "config/snapshot.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

std::shared_ptr<const Snapshot> Load(const std::string& yaml) {
  auto snapshot = LoadConfigFiles({{"model.yaml", yaml}});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : nullptr;
}

constexpr char kReviewsRule[] = R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool: {http: {http2MaxRequests: 7}}
    outlierDetection: {consecutive5xxErrors: 3, baseEjectionTime: 10s, maxEjectionPercent: 50}
    tls: {mode: ISTIO_MUTUAL}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
      tls: {mode: DISABLE}
)";

TEST(ModelTest, ASubsetClusterTakesTheHostPolicyWhereItSetsNone) {
  auto snapshot = Load(kReviewsRule);
  ASSERT_NE(snapshot, nullptr);
  const HostClusters* clusters = snapshot->ClustersFor("reviews");
  ASSERT_NE(clusters, nullptr);
  EXPECT_EQ(clusters->max_requests, 7);
  EXPECT_EQ(clusters->all.load_balancer.policy, LoadBalancer::Policy::kRoundRobin);
  ASSERT_EQ(clusters->subsets.size(), 2u);
  const ClusterConfig& v1 = clusters->subsets[0];
  const ClusterConfig& v2 = clusters->subsets[1];
  EXPECT_EQ(v1.subset, "v1");
  EXPECT_EQ(v1.selector.at("version"), "v1");
  EXPECT_EQ(v1.load_balancer.policy, LoadBalancer::Policy::kRoundRobin);
  EXPECT_EQ(v2.load_balancer.policy, LoadBalancer::Policy::kRandom);
  ASSERT_TRUE(v1.outlier_detection.has_value());
  ASSERT_TRUE(v2.outlier_detection.has_value());
  EXPECT_EQ(v2.outlier_detection->consecutive_errors, 3);
  EXPECT_EQ(v2.outlier_detection->base_ejection_time, absl::Seconds(10));
}

TEST(ModelTest, AnEndpointTakesTheTlsModeOfTheFirstSubsetThatSetsOne) {
  auto snapshot = Load(kReviewsRule);
  ASSERT_NE(snapshot, nullptr);
  const HostClusters* clusters = snapshot->ClustersFor("reviews");
  ASSERT_NE(clusters, nullptr);
  EXPECT_EQ(clusters->TlsModeFor({{"version", "v2"}}), TlsMode::kDisable);
  // v1 sets no mode of its own: the host's.
  EXPECT_EQ(clusters->TlsModeFor({{"version", "v1"}}), TlsMode::kIstioMutual);
  EXPECT_EQ(clusters->TlsModeFor({}), TlsMode::kIstioMutual);
}

TEST(ModelTest, AHostWithoutARuleHasNoClustersOfItsOwn) {
  auto snapshot = Load(kReviewsRule);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->ClustersFor("ratings"), nullptr);
}

TEST(ModelTest, AVirtualServiceBecomesTheRouteTableOfEachOfItsHosts) {
  auto snapshot = Load(R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews, reviews-canary]
  http:
  - match: [{uri: {exact: /p.S/M}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
)");
  ASSERT_NE(snapshot, nullptr);
  const RouteTable* table = snapshot->RoutesFor("reviews");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(snapshot->RoutesFor("reviews-canary"), table);
  EXPECT_EQ(snapshot->RoutesFor("ratings"), nullptr);
  EXPECT_EQ(table->origin.name, "reviews");
  ASSERT_EQ(table->routes.size(), 2u);
  EXPECT_EQ(table->routes[0].route[0].destination.subset, "v2");
  // Indexed: the exact URI's route, and the catch-all that may match any path.
  ASSERT_TRUE(table->index.built);
  ASSERT_EQ(table->index.by_exact_uri.count("/p.S/M"), 1u);
  EXPECT_EQ(table->index.by_exact_uri.at("/p.S/M"), std::vector<uint32_t>{0});
  EXPECT_EQ(table->index.any_path, std::vector<uint32_t>{1});
}

}  // namespace
}  // namespace meshup::config
