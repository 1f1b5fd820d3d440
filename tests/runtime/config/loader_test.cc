#include "config/loader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const std::string& yaml) {
  return LoadConfigFiles({{"test.yaml", yaml}});
}

std::shared_ptr<const Snapshot> LoadOk(const std::string& yaml) {
  auto snapshot = Load(yaml);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : std::make_shared<Snapshot>();
}

// The error of loading `yaml`, which must fail.
std::string Error(const std::string& yaml) {
  auto snapshot = Load(yaml);
  EXPECT_FALSE(snapshot.ok()) << "loaded, but should have been refused:\n" << yaml;
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(snapshot.status().message());
}

constexpr char kReviewsRule[] = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
  - name: v3
    labels:
      version: v3
)";

// A route of reviews with `route_yaml` as the body of its one HTTP route.
std::string ReviewsRoute(const std::string& route_yaml) {
  return std::string(kReviewsRule) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - )" + route_yaml;
}

TEST(LoaderTest, LoadsIstiosJasonRoute) {
  auto snapshot = LoadOk(std::string(kReviewsRule) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
)");
  const VirtualService* vs = snapshot->VirtualServiceFor("reviews");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->origin.name, "reviews");
  EXPECT_EQ(vs->origin.namespace_name, "default");
  ASSERT_EQ(vs->http.size(), 2u);
  ASSERT_EQ(vs->http[0].matches.size(), 1u);
  ASSERT_EQ(vs->http[0].matches[0].headers.size(), 1u);
  EXPECT_EQ(vs->http[0].matches[0].headers[0].name, "end-user");
  EXPECT_TRUE(vs->http[0].matches[0].headers[0].match.Matches("jason"));
  EXPECT_FALSE(vs->http[0].matches[0].headers[0].match.Matches("jason2"));
  EXPECT_EQ(vs->http[0].route[0].destination.subset, "v2");
  EXPECT_EQ(vs->http[0].route[0].weight, 100);
  EXPECT_TRUE(vs->http[1].matches.empty());

  const DestinationRule* rule = snapshot->DestinationRuleFor("reviews");
  ASSERT_NE(rule, nullptr);
  ASSERT_NE(rule->FindSubset("v3"), nullptr);
  EXPECT_EQ(rule->FindSubset("v3")->labels.at("version"), "v3");
  EXPECT_EQ(snapshot->VirtualServiceFor("ratings"), nullptr);
}

TEST(LoaderTest, AcceptsEveryNetworkingApiVersion) {
  for (const char* version : {"v1alpha3", "v1beta1", "v1"}) {
    auto snapshot = LoadOk(std::string("apiVersion: networking.istio.io/") + version + R"(
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
)");
    EXPECT_NE(snapshot->DestinationRuleFor("ratings"), nullptr) << version;
  }
}

TEST(LoaderTest, ReadsWeightsTimeoutRetriesFaultsAndMirror) {
  auto snapshot = LoadOk(ReviewsRoute(R"(route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v3}
      weight: 20
    timeout: 0.5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: unavailable,5xx,deadline-exceeded
    fault:
      delay:
        percentage:
          value: 50
        fixedDelay: 7s
      abort:
        percentage:
          value: 100.0
        httpStatus: 500
    mirror:
      host: reviews
      subset: v2
    mirrorPercentage:
      value: 10
)"));
  const HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  ASSERT_EQ(route.route.size(), 2u);
  EXPECT_EQ(route.route[0].weight, 80);
  EXPECT_EQ(route.route[1].weight, 20);
  EXPECT_EQ(route.timeout, absl::Milliseconds(500));
  ASSERT_TRUE(route.retries.has_value());
  EXPECT_EQ(route.retries->attempts, 3);
  EXPECT_EQ(route.retries->per_try_timeout, absl::Seconds(2));
  EXPECT_THAT(route.retries->retry_on,
              ElementsAre(absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded));
  ASSERT_TRUE(route.delay.has_value());
  EXPECT_EQ(route.delay->percentage, 50);
  EXPECT_EQ(route.delay->fixed_delay, absl::Seconds(7));
  ASSERT_TRUE(route.abort.has_value());
  EXPECT_EQ(route.abort->http_status, 500);
  EXPECT_EQ(route.abort->code, absl::StatusCode::kUnknown);  // gRPC's mapping of HTTP 500
  ASSERT_TRUE(route.mirror.has_value());
  EXPECT_EQ(route.mirror->subset, "v2");
  EXPECT_EQ(route.mirror_percentage, 10);
}

TEST(LoaderTest, ReadsGrpcStatusAborts) {
  auto snapshot = LoadOk(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    fault:
      abort:
        grpcStatus: UNAVAILABLE
)"));
  EXPECT_EQ(snapshot->VirtualServiceFor("reviews")->http[0].abort->code,
            absl::StatusCode::kUnavailable);
}

TEST(LoaderTest, MatchesUriByPrefixAndByWholeRegex) {
  auto snapshot = LoadOk(ReviewsRoute(R"(match:
    - uri:
        regex: /bookinfo\.Reviews/Get.*
    - uri:
        prefix: /bookinfo.Ratings/
    route:
    - destination: {host: reviews}
)"));
  const auto& matches = snapshot->VirtualServiceFor("reviews")->http[0].matches;
  EXPECT_TRUE(matches[0].uri->Matches("/bookinfo.Reviews/GetReviews"));
  EXPECT_FALSE(matches[0].uri->Matches("x/bookinfo.Reviews/GetReviews"));  // whole value only
  EXPECT_TRUE(matches[1].uri->Matches("/bookinfo.Ratings/GetRatings"));
  EXPECT_FALSE(matches[1].uri->Matches("/bookinfo.Reviews/GetReviews"));
}

TEST(LoaderTest, NormalizesKubernetesHostNames) {
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: r, namespace: bookinfo}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  http:
  - route:
    - destination: {host: ratings.bookinfo}
)");
  const VirtualService* vs = snapshot->VirtualServiceFor("reviews");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->origin.namespace_name, "bookinfo");
  EXPECT_EQ(vs->http[0].route[0].destination.host, "ratings");
}

TEST(LoaderTest, ReadsTrafficPolicies) {
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
    connectionPool:
      http:
        http2MaxRequests: 100
      tcp:
        connectTimeout: 250ms
    outlierDetection:
      consecutive5xxErrors: 3
      interval: 1s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
    tls:
      mode: ISTIO_MUTUAL
  subsets:
  - name: sticky
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpHeaderName: x-user
)");
  const DestinationRule* rule = snapshot->DestinationRuleFor("ratings");
  ASSERT_NE(rule, nullptr);
  const TrafficPolicy& policy = *rule->traffic_policy;
  EXPECT_EQ(policy.load_balancer->policy, LoadBalancer::Policy::kRoundRobin);
  EXPECT_EQ(policy.connection_pool->max_requests, 100);
  EXPECT_EQ(policy.outlier_detection->consecutive_errors, 3);
  EXPECT_EQ(policy.outlier_detection->base_ejection_time, absl::Seconds(30));
  // gRPC's channel keeps its own connect deadline: a connectTimeout would
  // change nothing, so it warns rather than being taken silently.
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr("spec.trafficPolicy.connectionPool.tcp.connectTimeout: has no "
                                    "effect"),
                          HasSubstr("spec.trafficPolicy.outlierDetection.interval: has no effect")));
  EXPECT_EQ(policy.outlier_detection->max_ejection_percent, 50);
  EXPECT_EQ(policy.tls_mode, TlsMode::kIstioMutual);
  const LoadBalancer& sticky = *rule->FindSubset("sticky")->traffic_policy->load_balancer;
  EXPECT_EQ(sticky.policy, LoadBalancer::Policy::kConsistentHash);
  EXPECT_EQ(sticky.hash_header, "x-user");
}

TEST(LoaderTest, ReadsWorkloadAndServiceEntriesAndTheMesh) {
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-1}
spec:
  address: 127.0.0.1
  ports: {grpc: 9081}
  labels: {app: ratings, version: v1}
  serviceAccount: bookinfo-ratings
---
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: details}
spec:
  hosts: [details]
  ports:
  - number: 9080
    name: grpc
    protocol: GRPC
  resolution: STATIC
  endpoints:
  - address: 127.0.0.2
    labels: {version: v1}
---
apiVersion: meshup.dev/v1alpha1
kind: Mesh
metadata: {name: mesh}
spec:
  trustDomain: example.org
  registry:
    type: etcd
    endpoints: [http://127.0.0.1:2379]
)");
  ASSERT_EQ(snapshot->workload_entries.size(), 1u);
  EXPECT_EQ(snapshot->workload_entries[0].ports.at("grpc"), 9081u);
  EXPECT_EQ(snapshot->workload_entries[0].labels.at("app"), "ratings");
  EXPECT_EQ(snapshot->workload_entries[0].service_account, "bookinfo-ratings");
  ASSERT_EQ(snapshot->service_entries.size(), 1u);
  EXPECT_EQ(snapshot->service_entries[0].endpoints[0].address, "127.0.0.2");
  EXPECT_EQ(snapshot->service_entries[0].ports[0].number, 9080u);
  EXPECT_EQ(snapshot->mesh.trust_domain, "example.org");
  EXPECT_EQ(snapshot->mesh.registry.type, MeshConfig::Registry::Type::kEtcd);
}

TEST(LoaderTest, WarnsThatASubsetConnectionPoolHasNoEffect) {
  // The pool limit counts the host's calls, whichever subset they go to.
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
  trafficPolicy:
    connectionPool: {http: {http2MaxRequests: 10}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      connectionPool: {http: {http2MaxRequests: 2}}
)");
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr("spec.subsets[0].trafficPolicy.connectionPool: has no effect in "
                                    "MeshUp and is ignored: the host's connectionPool limits")));
  const HostClusters* clusters = snapshot->ClustersFor("ratings");
  ASSERT_NE(clusters, nullptr);
  EXPECT_EQ(clusters->max_requests, 10);
}

TEST(LoaderTest, WarnsThatAnEndpointWeightHasNoEffect) {
  // Endpoints are balanced with equal weights: a weight is checked, then
  // said to be ignored, in a WorkloadEntry and in a ServiceEntry's endpoint.
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-1}
spec:
  address: 127.0.0.1
  labels: {app: ratings}
  weight: 3
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: details}
spec:
  hosts: [details]
  ports: [{number: 9080, name: grpc}]
  endpoints:
  - address: 127.0.0.2
    weight: 2
)");
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr("test.yaml:8:11: WorkloadEntry default/ratings-1: spec.weight: "
                                    "has no effect in MeshUp and is ignored: endpoints are "
                                    "balanced with equal weights"),
                          HasSubstr("test.yaml:18:13: ServiceEntry default/details: "
                                    "spec.endpoints[0].weight: has no effect")));
  EXPECT_FALSE(Load(R"(
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-1}
spec: {address: 127.0.0.1, weight: -1}
)").ok());
}

TEST(LoaderTest, WarnsAboutHarmlessFields) {
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
  uid: 1234
  labels: {team: books}
spec:
  host: ratings
  exportTo: ["."]
status: {}
)");
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr("test.yaml:6:3: DestinationRule default/ratings: metadata.uid: "
                                    "has no effect"),
                          HasSubstr("test.yaml:11:1: DestinationRule default/ratings: status: has "
                                    "no effect"),
                          HasSubstr("test.yaml:10:3: DestinationRule default/ratings: "
                                    "spec.exportTo: has no effect")));
}

// Istio accepts a route to a subset no DestinationRule defines (calls there
// fail): so does MeshUp, with a warning naming the subsets that exist.
TEST(LoaderTest, AnUnknownSubsetWarnsAndListsTheDefinedOnes) {
  auto snapshot = LoadOk(ReviewsRoute(R"(route:
    - destination: {host: reviews, subset: v4}
)"));
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr(
                  "test.yaml:27: VirtualService default/reviews: unknown subset 'v4' of host "
                  "'reviews'; DestinationRule default/reviews (test.yaml) defines: v1, v2, v3; "
                  "calls routed there fail with UNAVAILABLE, as in Istio")));
  // Kept apart too, for tools that refuse to make such a route.
  EXPECT_EQ(snapshot->undefined_subsets, snapshot->warnings);
}

TEST(LoaderTest, ASubsetWithoutDestinationRuleWarns) {
  auto snapshot = LoadOk(R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
    mirror: {host: ratings, subset: v2}
)");
  EXPECT_THAT(snapshot->warnings,
              ElementsAre(HasSubstr("subset 'v1' of host 'ratings': no DestinationRule defines "
                                    "subsets for host 'ratings'"),
                          HasSubstr("subset 'v2' of host 'ratings'")));
}

// ---- Errors: one per message --------------------------------------------

TEST(LoaderErrorTest, InvalidYamlNamesLineAndColumn) {
  EXPECT_THAT(Error("apiVersion: networking.istio.io/v1\nkind: [unclosed\n"),
              HasSubstr("test.yaml:3:1: invalid YAML"));
}

TEST(LoaderErrorTest, ControlCharactersAreRefusedBeforeParsing) {
  EXPECT_THAT(Error(std::string("apiVersion: v1\nkind: \0Mesh\n", 22)),
              HasSubstr("test.yaml:2:7: invalid YAML: control character 0x00"));
}

TEST(LoaderErrorTest, AHugeFileIsRefused) {
  EXPECT_THAT(Error(std::string(5 << 20, '#')), HasSubstr("a configuration file may have at most"));
}

TEST(LoaderErrorTest, UnknownKind) {
  EXPECT_THAT(
      Error("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {}\n"),
      HasSubstr("test.yaml:2:7: Gateway default/g: kind: kind 'Gateway' "
                "(networking.istio.io/v1) is not supported"));
}

TEST(LoaderErrorTest, WrongApiVersion) {
  EXPECT_THAT(
      Error("apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: r}\n"
            "spec: {}\n"),
      HasSubstr("apiVersion: 'networking.istio.io/v2' is not an apiVersion of "
                "VirtualService (use networking.istio.io/v1alpha3, "
                "networking.istio.io/v1beta1, networking.istio.io/v1)"));
}

TEST(LoaderErrorTest, MissingName) {
  EXPECT_THAT(Error("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {}\n"
                    "spec: {host: r}\n"),
              HasSubstr("metadata.name: expected a string, found nothing"));
}

TEST(LoaderErrorTest, MissingSpec) {
  EXPECT_THAT(
      Error("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"),
      HasSubstr("DestinationRule default/r: spec: spec is required"));
}

TEST(LoaderErrorTest, UnknownFieldIsAnErrorWithItsPath) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews, subset: v1}
    mirrorPolicy:
      percent: 5
)")),
              HasSubstr("test.yaml:29:5: VirtualService default/reviews: "
                        "spec.http[0].mirrorPolicy: unknown or unsupported field"));
}

TEST(LoaderErrorTest, MisspelledFieldIsAnError) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews, subnet: v1}
)")),
              HasSubstr("spec.http[0].route[0].destination.subnet: unknown or unsupported field"));
}

TEST(LoaderErrorTest, WeightsMustAddUpTo100) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v3}
      weight: 40
)")),
              HasSubstr("spec.http[0].route: weights add up to 90, not 100"));
}

TEST(LoaderErrorTest, SeveralDestinationsNeedWeights) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews, subset: v1}
    - destination: {host: reviews, subset: v3}
)")),
              HasSubstr("spec.http[0].route[0].weight: a weight is required when a route has "
                        "several destinations"));
}

TEST(LoaderErrorTest, UnparsableDuration) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    timeout: 10 seconds
)")),
              HasSubstr("spec.http[0].timeout: '10 seconds' is not a duration"));
}

TEST(LoaderErrorTest, InvalidRegex) {
  EXPECT_THAT(Error(ReviewsRoute(R"(match:
    - uri:
        regex: "/bookinfo.(Reviews"
    route:
    - destination: {host: reviews}
)")),
              HasSubstr("spec.http[0].match[0].uri.regex: invalid RE2 regex '/bookinfo.(Reviews'"));
}

TEST(LoaderErrorTest, StringMatchNeedsExactlyOneKind) {
  EXPECT_THAT(Error(ReviewsRoute(R"(match:
    - headers:
        end-user: {exact: jason, prefix: j}
    route:
    - destination: {host: reviews}
)")),
              HasSubstr("spec.http[0].match[0].headers.end-user: set exactly one of exact, prefix "
                        "or regex"));
}

TEST(LoaderErrorTest, UnsupportedRetryCondition) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    retries: {attempts: 2, retryOn: "retriable-4xx"}
)")),
              HasSubstr("spec.http[0].retries.retryOn: retry condition 'retriable-4xx' is not "
                        "supported for gRPC"));
}

TEST(LoaderErrorTest, RetryAttemptsOutOfRange) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    retries: {attempts: 50}
)")),
              HasSubstr("spec.http[0].retries.attempts: 50 is out of range [0, 10]"));
}

TEST(LoaderErrorTest, AbortNeedsOneStatus) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    fault:
      abort: {httpStatus: 503, grpcStatus: UNAVAILABLE}
)")),
              HasSubstr("spec.http[0].fault.abort: set exactly one of httpStatus or grpcStatus"));
}

TEST(LoaderErrorTest, PercentageAbove100) {
  EXPECT_THAT(Error(ReviewsRoute(R"(route:
    - destination: {host: reviews}
    fault:
      delay: {fixedDelay: 1s, percentage: {value: 150}}
)")),
              HasSubstr("spec.http[0].fault.delay.percentage.value: 150 is out of range [0, 100]"));
}

TEST(LoaderErrorTest, AListWhereAScalarWasGiven) {
  EXPECT_THAT(Error(R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: reviews
  http:
  - route:
    - destination: {host: reviews}
)"),
              HasSubstr("spec.hosts: expected a list, found a scalar"));
}

TEST(LoaderErrorTest, WildcardHost) {
  EXPECT_THAT(Error(R"(
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: all}
spec:
  hosts: ["*.example.com"]
)"),
              HasSubstr("spec.hosts[0]: wildcard host '*.example.com' is not supported"));
}


TEST(LoaderErrorTest, UnsupportedLoadBalancer) {
  EXPECT_THAT(Error(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: PASSTHROUGH}
)"),
              HasSubstr("spec.trafficPolicy.loadBalancer.simple: 'PASSTHROUGH' is not supported"));
}

TEST(LoaderErrorTest, UnsupportedTlsMode) {
  EXPECT_THAT(Error(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: MUTUAL}
)"),
              HasSubstr("spec.trafficPolicy.tls.mode: 'MUTUAL' is not supported"));
}

TEST(LoaderErrorTest, DuplicateSubset) {
  EXPECT_THAT(Error(R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: reviews
  subsets:
  - name: v1
  - name: v1
)"),
              HasSubstr("spec.subsets[1].name: subset 'v1' is defined twice"));
}

TEST(LoaderErrorTest, TheSameNameTwiceAcrossFiles) {
  const std::string rule =
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
      "spec: {host: reviews}\n";
  auto snapshot = LoadConfigFiles({{"a.yaml", rule}, {"b.yaml", rule}});
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(snapshot.status().message(),
              HasSubstr("b.yaml:1: DestinationRule default/r is defined twice; the other is at "
                        "a.yaml:1"));
}

TEST(LoaderErrorTest, TwoMeshDocuments) {
  const std::string mesh =
      "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\n"
      "spec: {}\n";
  EXPECT_THAT(Error(mesh + "---\n" + mesh), HasSubstr("a second Mesh document"));
}

TEST(LoaderErrorTest, EtcdRegistryWithoutEndpoints) {
  EXPECT_THAT(Error("apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\n"
                    "spec:\n  registry: {type: etcd}\n"),
              HasSubstr("spec.registry.endpoints: the etcd registry needs endpoints"));
}

TEST(LoaderTest, MeshTelemetryRotationAndSeriesCap) {
  constexpr char kHead[] = "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\n";
  auto defaults = LoadOk(std::string(kHead) + "spec: {}\n");
  EXPECT_EQ(defaults->mesh.telemetry.rotation_max_bytes, 10 << 20);
  EXPECT_EQ(defaults->mesh.telemetry.rotation_max_files, 3);
  EXPECT_EQ(defaults->mesh.telemetry.max_series, 10000);
  auto snapshot = LoadOk(std::string(kHead) +
                         "spec:\n  telemetry:\n    rotation: {maxBytes: 1048576, maxFiles: 5}\n"
                         "    metrics: {maxSeries: 500}\n");
  EXPECT_EQ(snapshot->mesh.telemetry.rotation_max_bytes, 1048576);
  EXPECT_EQ(snapshot->mesh.telemetry.rotation_max_files, 5);
  EXPECT_EQ(snapshot->mesh.telemetry.max_series, 500);
  EXPECT_THAT(Error(std::string(kHead) + "spec:\n  telemetry:\n    rotation: {maxFiles: 0}\n"),
              HasSubstr("spec.telemetry.rotation.maxFiles"));
  EXPECT_THAT(Error(std::string(kHead) + "spec:\n  telemetry:\n    rotation: {maxBytes: 10}\n"),
              HasSubstr("spec.telemetry.rotation.maxBytes"));
  EXPECT_THAT(Error(std::string(kHead) + "spec:\n  telemetry:\n    metrics: {maxSeries: -1}\n"),
              HasSubstr("spec.telemetry.metrics.maxSeries"));
  EXPECT_THAT(Error(std::string(kHead) + "spec:\n  telemetry:\n    rotation: {maxSize: 1}\n"),
              HasSubstr("spec.telemetry.rotation"));
}

}  // namespace
}  // namespace meshup::config
