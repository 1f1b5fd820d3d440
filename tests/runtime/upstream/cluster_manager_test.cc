// The cluster manager: clusters built from configured endpoints and
// DestinationRules, kept across reloads that do not concern them, endpoint
// picks within a subset, attempt counts, and clusters of a fixed address
// (no servers needed: channels are made lazily and never used here).
#include "upstream/cluster_manager.h"

#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "loop/event_loop.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

// ratings: v1 on two addresses and v2 on one, with a subset each.
constexpr char kRatings[] = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings}
spec:
  hosts: [ratings]
  ports: [{number: 9080, name: grpc, protocol: GRPC}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, labels: {app: ratings, version: v1}}
  - {address: 127.0.0.2, labels: {app: ratings, version: v1}}
  - {address: 127.0.0.3, labels: {app: ratings, version: v2}}
)";

class ClusterManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-clusters-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "config.yaml") << kRatings;
    auto source = config::ConfigSource::Watch(dir_.string(), loop_);
    ASSERT_TRUE(source.ok()) << source.status();
    config_ = *std::move(source);
    clusters_ = std::make_unique<ClusterManager>(
        *config_, nullptr,
        [](const EndpointInfo& info) {
          return grpc::CreateChannel(info.address, grpc::InsecureChannelCredentials());
        },
        clock_, random_);
  }
  void TearDown() override {
    // As Mesh does: no reload may reach the manager once it is going.
    if (config_ != nullptr) config_->StopWatching();
    clusters_.reset();
    config_.reset();
    std::filesystem::remove_all(dir_);
  }

  PickContext At(absl::Span<Endpoint* const> tried = {}) {
    PickContext context;
    context.now = clock_.Now();
    context.exclude = tried;
    return context;
  }

  std::filesystem::path dir_;
  EventLoop loop_;
  FakeClock clock_;
  SeededRandom random_{1};
  std::unique_ptr<config::ConfigSource> config_;
  std::unique_ptr<ClusterManager> clusters_;
};

TEST_F(ClusterManagerTest, PicksOnlyFromTheSubsetAndNeverATriedEndpoint) {
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  EXPECT_EQ(ratings->state()->endpoints.size(), 3u);
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<Attempt> first = clusters_->Pick(*ratings, "v1", At());
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(first->endpoint->info().labels.at("version"), "v1");
    Endpoint* tried[] = {first->endpoint};
    absl::StatusOr<Attempt> retry = clusters_->Pick(*ratings, "v1", At(tried));
    ASSERT_TRUE(retry.ok());
    EXPECT_NE(retry->endpoint, first->endpoint);
    EXPECT_EQ(retry->endpoint->info().labels.at("version"), "v1");
  }
}

TEST_F(ClusterManagerTest, ASubsetWithoutEndpointsOrRuleSaysNoHealthyUpstream) {
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  absl::StatusOr<Attempt> empty = clusters_->Pick(*ratings, "v3", At());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(empty.status().message(),
              HasSubstr("no healthy upstream: no endpoints for 'ratings' subset 'v3'"));
  absl::StatusOr<Attempt> undefined = clusters_->Pick(*ratings, "v9", At());
  EXPECT_EQ(undefined.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(undefined.status().message(),
              HasSubstr("'ratings' subset 'v9' is not defined by a DestinationRule"));
}

TEST_F(ClusterManagerTest, AnEndpointKeepsItsStateAcrossAReload) {
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  Endpoint* before = ratings->state()->endpoints[0].get();
  before->AddInFlight(3);
  ASSERT_TRUE(config_->Reload().ok());
  Endpoint* after = ratings->state()->endpoints[0].get();
  EXPECT_EQ(after, before);
  EXPECT_EQ(after->in_flight(), 3);
  before->AddInFlight(-3);
}

TEST_F(ClusterManagerTest, ASwapRebuildsOnlyTheClustersItChanges) {
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  std::shared_ptr<const ClusterState> before = ratings->state();

  // Another host's configuration changes: ratings keeps its state.
  std::ofstream(dir_ / "details.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: details}\n"
         "spec: {address: 127.0.0.1, ports: {grpc: 9010}, labels: {app: details}}\n";
  ASSERT_TRUE(config_->Reload().ok());
  EXPECT_EQ(ratings->state(), before);

  // Its DestinationRule changes: rebuilt, with the same Endpoint objects.
  std::string changed = kRatings;
  changed.replace(changed.find("  subsets:"), 0,
                  "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n");
  std::ofstream(dir_ / "config.yaml") << changed;
  ASSERT_TRUE(config_->Reload().ok());
  std::shared_ptr<const ClusterState> after = ratings->state();
  EXPECT_NE(after, before);
  ASSERT_EQ(after->endpoints.size(), 3u);
  EXPECT_EQ(after->endpoints[0], before->endpoints[0]);

  // One of its endpoints changes: rebuilt.
  changed.replace(changed.find("127.0.0.3"), 9, "127.0.0.4");
  std::ofstream(dir_ / "config.yaml") << changed;
  ASSERT_TRUE(config_->Reload().ok());
  EXPECT_NE(ratings->state(), after);
  EXPECT_EQ(ratings->state()->endpoints[2]->address(), "127.0.0.4:9080");
}

TEST_F(ClusterManagerTest, CountsTheAttemptsEachEndpointEndedAndFailed) {
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  absl::StatusOr<Attempt> attempt = clusters_->Pick(*ratings, "v2", At());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  clusters_->Report(*attempt, absl::StatusCode::kOk);
  clusters_->Report(*attempt, absl::StatusCode::kUnavailable);
  clusters_->Report(*attempt, absl::StatusCode::kNotFound);  // the caller's error, not the endpoint's
  EXPECT_EQ(attempt->endpoint->attempts(), 3);
  EXPECT_EQ(attempt->endpoint->failed_attempts(), 1);
}

TEST_F(ClusterManagerTest, AFixedAddressIsAClusterOfOneEndpointSharedWhileHeld) {
  // One of ratings' own addresses is still not ratings.
  std::shared_ptr<Cluster> fixed = clusters_->ForAddress("127.0.0.3:9080");
  EXPECT_TRUE(fixed->fixed_address());
  EXPECT_EQ(fixed->host(), "127.0.0.3:9080");
  ASSERT_EQ(fixed->state()->endpoints.size(), 1u);
  EXPECT_TRUE(fixed->state()->subsets.empty());
  absl::StatusOr<Attempt> attempt = clusters_->Pick(*fixed, "", At());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.3:9080");
  EXPECT_TRUE(attempt->endpoint->info().labels.empty());
  std::shared_ptr<Cluster> ratings = clusters_->Get("ratings");
  EXPECT_NE(ratings, fixed);

  // A second channel to the address shares the cluster: one in-flight
  // count, one retry budget. The admin endpoints list it while it is held.
  EXPECT_EQ(clusters_->ForAddress("127.0.0.3:9080"), fixed);
  EXPECT_NE(clusters_->ForAddress("127.0.0.3:9081"), fixed);
  std::vector<std::shared_ptr<Cluster>> all = clusters_->All();
  EXPECT_EQ(std::count(all.begin(), all.end(), fixed), 1);
  EXPECT_EQ(std::count(all.begin(), all.end(), ratings), 1);
  all.clear();
  attempt = absl::UnknownError("released");

  // Once no one holds it, it goes: a later channel gets a new one.
  std::weak_ptr<Cluster> gone = fixed;
  fixed.reset();
  EXPECT_TRUE(gone.expired());
  std::shared_ptr<Cluster> again = clusters_->ForAddress("127.0.0.3:9080");
  EXPECT_EQ(again->state()->endpoints.size(), 1u);
  for (const auto& cluster : clusters_->All()) {
    EXPECT_TRUE(cluster == again || cluster == ratings) << cluster->host();
  }
}

}  // namespace
}  // namespace meshup::internal
