// The Router's per-call decisions, with seeded randomness
// and static endpoints from the configuration (no servers needed: channels
// are made lazily and never used here).
#include "routing/router.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

constexpr absl::StatusCode kUnavailableOnly[] = {absl::StatusCode::kUnavailable};

MethodInfo Method() {
  MethodInfo method;
  method.name = "GetReviews";
  method.path = "/bookinfo.Reviews/GetReviews";
  method.timeout = absl::Seconds(3);
  method.retry.attempts = 2;
  method.retry.retry_on = kUnavailableOnly;
  method.idempotent = true;
  return method;
}

class RouterTest : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-router-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "config.yaml") << yaml;
    auto source = config::ConfigSource::Watch(dir_.string(), loop_);
    ASSERT_TRUE(source.ok()) << source.status();
    config_ = *std::move(source);
    MeshIdentity identity;
    identity.labels = {{"app", "productpage"}};
    clusters_ = std::make_unique<ClusterManager>(
        *config_, nullptr,
        [](const EndpointInfo& info) {
          return grpc::CreateChannel(info.address, grpc::InsecureChannelCredentials());
        },
        clock_, random_);
    router_ = std::make_unique<Router>(*config_, *clusters_, identity, random_);
  }
  void TearDown() override {
    // As Mesh does: no reload may reach the router once it is going.
    if (config_ != nullptr) config_->StopWatching();
    router_.reset();
    clusters_.reset();
    config_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  EventLoop loop_;
  FakeClock clock_;
  SeededRandom random_{1};
  std::unique_ptr<config::ConfigSource> config_;
  std::unique_ptr<ClusterManager> clusters_;
  std::unique_ptr<Router> router_;
};

constexpr char kReviews[] = R"(
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
kind: WorkloadEntry
metadata: {name: reviews-v1}
spec: {address: 127.0.0.1, ports: {grpc: 9001}, labels: {app: reviews, version: v1}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v2}
spec: {address: 127.0.0.1, ports: {grpc: 9002}, labels: {app: reviews, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v2b}
spec: {address: 127.0.0.1, ports: {grpc: 9003}, labels: {app: reviews, version: v2}}
)";

TEST_F(RouterTest, WithoutAVirtualServiceTheIdlDecides) {
  Load(kReviews);
  const absl::Time now = absl::Now();
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), CallOptions(), now);
  EXPECT_EQ(plan.cluster->host(), "reviews");
  EXPECT_EQ(plan.subset, "");
  EXPECT_EQ(plan.deadline, now + absl::Seconds(3));
  EXPECT_EQ(plan.tries, 2);
  EXPECT_FALSE(plan.abort.has_value());
  EXPECT_EQ(plan.delay, absl::ZeroDuration());
  EXPECT_EQ(plan.cluster->state()->endpoints.size(), 3u);
}

TEST_F(RouterTest, AFixedAddressIsOneEndpointThatNoRouteReaches) {
  // A VirtualService for every host aborts every call; an address, even one
  // of reviews' own endpoints, is no host of the mesh.
  Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: everything}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
)");
  EXPECT_TRUE(router_->Plan(clusters_->Get("reviews"), Method(), CallOptions(), absl::Now())
                  .abort.has_value());
  std::shared_ptr<Cluster> fixed = clusters_->ForAddress("127.0.0.1:9003");
  const absl::Time now = absl::Now();
  CallPlan plan = router_->Plan(fixed, Method(), CallOptions(), now);
  EXPECT_EQ(plan.cluster, fixed);
  EXPECT_EQ(plan.subset, "");
  EXPECT_FALSE(plan.abort.has_value());
  EXPECT_EQ(plan.deadline, now + absl::Seconds(3));  // the IDL's
  EXPECT_EQ(plan.tries, 2);
  absl::StatusOr<Attempt> attempt = PickEndpoint(*clusters_, plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.1:9003");
}

TEST_F(RouterTest, TheRouteDecidesSubsetTimeoutRetriesAndFaults) {
  Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
    timeout: 500ms
    retries: {attempts: 4, perTryTimeout: 100ms}
    fault:
      abort: {httpStatus: 503, percentage: {value: 100}}
      delay: {fixedDelay: 2s, percentage: {value: 0}}
    mirror: {host: reviews, subset: v1}
  - route: [{destination: {host: reviews, subset: v1}}]
)");
  CallOptions jason;
  jason.headers.emplace_back("end-user", "jason");
  const absl::Time now = absl::Now();
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), jason, now);
  EXPECT_EQ(plan.subset, "v2");
  EXPECT_EQ(plan.deadline, now + absl::Milliseconds(500));
  EXPECT_EQ(plan.tries, 5);  // Istio's attempts count retries
  EXPECT_EQ(plan.per_try_timeout, absl::Milliseconds(100));
  EXPECT_THAT(plan.retry_on,
              ::testing::ElementsAre(absl::StatusCode::kUnavailable, absl::StatusCode::kCancelled));
  ASSERT_TRUE(plan.abort.has_value());
  EXPECT_EQ(plan.abort->code(), absl::StatusCode::kUnavailable);  // HTTP 503
  EXPECT_EQ(plan.delay, absl::ZeroDuration());                    // 0 percent
  ASSERT_NE(plan.mirror_cluster, nullptr);
  EXPECT_EQ(plan.mirror_subset, "v1");

  CallPlan other = router_->Plan(clusters_->Get("reviews"), Method(), CallOptions(), now);
  EXPECT_EQ(other.subset, "v1");
  EXPECT_FALSE(other.abort.has_value());
  EXPECT_EQ(other.mirror_cluster, nullptr);
}

TEST_F(RouterTest, TheCallersShorterTimeoutWinsOverTheRoutes) {
  Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    timeout: 10s
)");
  CallOptions options;
  options.timeout = absl::Milliseconds(50);
  const absl::Time now = absl::Now();
  EXPECT_EQ(router_->Plan(clusters_->Get("reviews"), Method(), options, now).deadline,
            now + absl::Milliseconds(50));
}

TEST_F(RouterTest, ARouteToAnUndefinedSubsetFailsItsCallsWithUnavailable) {
  ASSERT_NO_FATAL_FAILURE(Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v9}}]
)"));
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "v9");
  absl::StatusOr<Attempt> attempt = PickEndpoint(*clusters_, plan, {}, clock_.Now());
  EXPECT_EQ(attempt.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(attempt.status().message(),
              HasSubstr("no healthy upstream: 'reviews' subset 'v9' is not defined by a "
                        "DestinationRule"));
}

// A second DestinationRule of reviews adds a subset; the router picks from it.
TEST_F(RouterTest, RoutesToASubsetOfASecondDestinationRuleOfTheHost) {
  ASSERT_NO_FATAL_FAILURE(Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-canary}
spec:
  host: reviews.default.svc.cluster.local
  subsets: [{name: canary, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: canary}}]
)"));
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "canary");
  absl::StatusOr<Attempt> attempt = PickEndpoint(*clusters_, plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.1:9001");
}

// A VirtualService bound to a gateway only applies there, never to a call
// of the mesh; one that also lists "mesh" applies to both.
TEST_F(RouterTest, AGatewayOnlyVirtualServiceRoutesNoCall) {
  ASSERT_NO_FATAL_FAILURE(Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-ingress}
spec:
  hosts: [reviews]
  gateways: [bookinfo-gateway]
  http:
  - route: [{destination: {host: reviews, subset: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  gateways: [bookinfo-gateway, mesh]
  http:
  - match: [{gateways: [bookinfo-gateway], headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
)"));
  CallOptions jason;
  jason.headers.emplace_back("end-user", "jason");
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), jason, absl::Now());
  EXPECT_EQ(plan.subset, "v1");
}

TEST_F(RouterTest, ThePlanCarriesTheRoutesRequestHeaders) {
  ASSERT_NO_FATAL_FAILURE(Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    headers: {request: {set: {x-canary: "true"}, remove: [end-user]}}
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
)"));
  CallOptions jason;
  jason.headers.emplace_back("end-user", "jason");
  CallPlan plan = router_->Plan(clusters_->Get("reviews"), Method(), jason, absl::Now());
  EXPECT_EQ(plan.subset, "v2");  // the route matched the caller's headers
  EXPECT_THAT(plan.RequestHeaders(jason),
              ::testing::ElementsAre(::testing::Pair("x-canary", "true")));
  CallOptions other;
  other.headers.emplace_back("end-user", "bob");
  CallPlan plain = router_->Plan(clusters_->Get("reviews"), Method(), other, absl::Now());
  EXPECT_FALSE(plain.request_headers.has_value());
  EXPECT_EQ(&plain.RequestHeaders(other), &other.headers);
}

// Istio's mesh-wide rule, of host "*.local", gives every service without a
// rule of its own its subsets and policies.
TEST_F(RouterTest, AWildcardDestinationRuleAppliesToTheHostsItCovers) {
  ASSERT_NO_FATAL_FAILURE(Load(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mesh-wide}
spec:
  host: "*.local"
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-v1}
spec: {address: 127.0.0.1, ports: {grpc: 9101}, labels: {app: ratings, version: v1}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-v2}
spec: {address: 127.0.0.1, ports: {grpc: 9102}, labels: {app: ratings, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings, subset: v2}}]
)"));
  CallPlan plan = router_->Plan(clusters_->Get("ratings"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "v2");
  absl::StatusOr<Attempt> attempt = PickEndpoint(*clusters_, plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.1:9102");
}

}  // namespace
}  // namespace meshup::internal
