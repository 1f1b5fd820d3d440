// The Router's per-call decisions and endpoint picks, with seeded randomness
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
    router_ = std::make_unique<Router>(
        *config_, nullptr, identity,
        [](const EndpointInfo& info) {
          return grpc::CreateChannel(info.address, grpc::InsecureChannelCredentials());
        },
        clock_, random_);
  }
  void TearDown() override {
    // As Mesh does: no reload may reach the router once it is going.
    if (config_ != nullptr) config_->StopWatching();
    router_.reset();
    config_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  EventLoop loop_;
  FakeClock clock_;
  SeededRandom random_{1};
  std::unique_ptr<config::ConfigSource> config_;
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), now);
  EXPECT_EQ(plan.host->host(), "reviews");
  EXPECT_EQ(plan.subset, "");
  EXPECT_EQ(plan.deadline, now + absl::Seconds(3));
  EXPECT_EQ(plan.tries, 2);
  EXPECT_FALSE(plan.abort.has_value());
  EXPECT_EQ(plan.delay, absl::ZeroDuration());
  EXPECT_EQ(plan.host->state()->endpoints.size(), 3u);
}

TEST_F(RouterTest, AFixedAddressIsOneEndpointThatNoRouteReaches) {
  // reviews' VirtualService aborts every call, and its rule has subsets; an
  // address, even one of reviews' own endpoints, is not reviews.
  Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
)");
  std::shared_ptr<HostEntry> fixed = router_->StaticHost("127.0.0.1:9003");
  EXPECT_TRUE(fixed->fixed_address());
  const absl::Time now = absl::Now();
  CallPlan plan = router_->Plan(fixed, Method(), CallOptions(), now);
  EXPECT_EQ(plan.host, fixed);
  EXPECT_EQ(plan.subset, "");
  EXPECT_FALSE(plan.abort.has_value());
  EXPECT_EQ(plan.deadline, now + absl::Seconds(3));  // the IDL's
  EXPECT_EQ(plan.tries, 2);
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.1:9003");
  EXPECT_EQ(fixed->state()->endpoints.size(), 1u);
  for (const auto& host : router_->Hosts()) EXPECT_NE(host, fixed);
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), jason, now);
  EXPECT_EQ(plan.subset, "v2");
  EXPECT_EQ(plan.deadline, now + absl::Milliseconds(500));
  EXPECT_EQ(plan.tries, 5);  // Istio's attempts count retries
  EXPECT_EQ(plan.per_try_timeout, absl::Milliseconds(100));
  EXPECT_THAT(plan.retry_on,
              ::testing::ElementsAre(absl::StatusCode::kUnavailable, absl::StatusCode::kCancelled));
  ASSERT_TRUE(plan.abort.has_value());
  EXPECT_EQ(plan.abort->code(), absl::StatusCode::kUnavailable);  // HTTP 503
  EXPECT_EQ(plan.delay, absl::ZeroDuration());                    // 0 percent
  ASSERT_NE(plan.mirror_host, nullptr);
  EXPECT_EQ(plan.mirror_subset, "v1");

  CallPlan other = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), now);
  EXPECT_EQ(other.subset, "v1");
  EXPECT_FALSE(other.abort.has_value());
  EXPECT_EQ(other.mirror_host, nullptr);
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
  EXPECT_EQ(router_->Plan(router_->Host("reviews"), Method(), options, now).deadline,
            now + absl::Milliseconds(50));
}

TEST_F(RouterTest, PicksOnlyFromTheSubsetAndNeverATriedEndpoint) {
  Load(kReviews);
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), absl::Now());
  plan.subset = "v2";
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<Attempt> first = router_->Pick(plan, {}, clock_.Now());
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(first->endpoint->info().labels.at("version"), "v2");
    Endpoint* tried[] = {first->endpoint};
    absl::StatusOr<Attempt> retry = router_->Pick(plan, tried, clock_.Now());
    ASSERT_TRUE(retry.ok());
    EXPECT_NE(retry->endpoint, first->endpoint);
  }
}

TEST_F(RouterTest, AnEmptySubsetSaysNoHealthyUpstream) {
  Load(std::string(kReviews) + R"(---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets: [{name: v1, labels: {version: v1}}]
)");
  CallPlan plan = router_->Plan(router_->Host("ratings"), Method(), CallOptions(), absl::Now());
  plan.subset = "v1";
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
  EXPECT_EQ(attempt.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(attempt.status().message(),
              HasSubstr("no healthy upstream: no endpoints for 'ratings' subset 'v1'"));
}

TEST_F(RouterTest, AnEndpointKeepsItsStateAcrossAReload) {
  Load(kReviews);
  std::shared_ptr<HostEntry> host = router_->Host("reviews");
  Endpoint* before = host->state()->endpoints[0].get();
  before->AddInFlight(3);
  ASSERT_TRUE(config_->Reload().ok());
  Endpoint* after = host->state()->endpoints[0].get();
  EXPECT_EQ(after, before);
  EXPECT_EQ(after->in_flight(), 3);
  before->AddInFlight(-3);
}

TEST_F(RouterTest, ASwapRebuildsOnlyTheHostsItChanges) {
  Load(kReviews);
  std::shared_ptr<HostEntry> reviews = router_->Host("reviews");
  std::shared_ptr<const HostState> before = reviews->state();

  // Another host's configuration changes: reviews keeps its state.
  std::ofstream(dir_ / "ratings.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: ratings}\n"
         "spec: {address: 127.0.0.1, ports: {grpc: 9010}, labels: {app: ratings}}\n";
  ASSERT_TRUE(config_->Reload().ok());
  EXPECT_EQ(reviews->state(), before);

  // Its DestinationRule changes: rebuilt, with the same Endpoint objects.
  std::string changed = kReviews;
  changed.replace(changed.find("  subsets:"), 0,
                  "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n");
  std::ofstream(dir_ / "config.yaml") << changed;
  ASSERT_TRUE(config_->Reload().ok());
  std::shared_ptr<const HostState> after = reviews->state();
  EXPECT_NE(after, before);
  ASSERT_EQ(after->endpoints.size(), 3u);
  EXPECT_EQ(after->endpoints[0], before->endpoints[0]);

  // One of its endpoints changes: rebuilt.
  changed.replace(changed.find("9003"), 4, "9004");
  std::ofstream(dir_ / "config.yaml") << changed;
  ASSERT_TRUE(config_->Reload().ok());
  EXPECT_NE(reviews->state(), after);
  EXPECT_EQ(reviews->state()->endpoints[2]->address(), "127.0.0.1:9004");
}

TEST_F(RouterTest, CountsTheAttemptsEachEndpointEndedAndFailed) {
  Load(kReviews);
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), absl::Now());
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  router_->Report(*attempt, absl::StatusCode::kOk);
  router_->Report(*attempt, absl::StatusCode::kUnavailable);
  router_->Report(*attempt, absl::StatusCode::kNotFound);  // the caller's error, not the endpoint's
  EXPECT_EQ(attempt->endpoint->attempts(), 3);
  EXPECT_EQ(attempt->endpoint->failed_attempts(), 1);
}

// Istio accepts a route to a subset no DestinationRule defines; its calls
// fail, as they do in Istio (no such cluster).
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "v9");
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "canary");
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), jason, absl::Now());
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
  CallPlan plan = router_->Plan(router_->Host("reviews"), Method(), jason, absl::Now());
  EXPECT_EQ(plan.subset, "v2");  // the route matched the caller's headers
  EXPECT_THAT(plan.RequestHeaders(jason),
              ::testing::ElementsAre(::testing::Pair("x-canary", "true")));
  CallOptions other;
  other.headers.emplace_back("end-user", "bob");
  CallPlan plain = router_->Plan(router_->Host("reviews"), Method(), other, absl::Now());
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
  CallPlan plan = router_->Plan(router_->Host("ratings"), Method(), CallOptions(), absl::Now());
  EXPECT_EQ(plan.subset, "v2");
  absl::StatusOr<Attempt> attempt = router_->Pick(plan, {}, clock_.Now());
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_EQ(attempt->endpoint->address(), "127.0.0.1:9102");
}

}  // namespace
}  // namespace meshup::internal
