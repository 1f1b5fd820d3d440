// The envoy target against a configuration directory's routes: weights,
// subsets, header and source-label matches, and the IDL's defaults where a
// route sets nothing. The output is read back with yaml-cpp.
#include <string>

#include "codegen/manifests/manifests.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace meshup::manifests {
namespace {

using ::testing::HasSubstr;

constexpr char kRoutes[] = R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: jason
    match:
    - headers: {end-user: {exact: jason}}
    route: [{destination: {host: reviews, subset: v2}}]
  - name: from-nowhere
    match: [{sourceLabels: {app: nobody}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - name: split
    route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v3}, weight: 20}
    retries: {attempts: 2, perTryTimeout: 0.5s, retryOn: "unavailable,internal"}
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
)";

class EnvoyTest : public ::testing::Test {
 protected:
  absl::StatusOr<OutputFiles> Generate(const std::string& routes) {
    absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
    EXPECT_TRUE(model.ok()) << model.status();
    auto snapshot = config::LoadConfigFiles({{"routes.yaml", routes}});
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *snapshot;
    GenerateOptions options;
    options.targets = {Target::kEnvoy};
    options.routes = snapshot_.get();
    return GenerateManifests(*model, options, *codegen::EmbeddedTemplateSource());
  }
  std::shared_ptr<const config::Snapshot> snapshot_;
};

YAML::Node VirtualHost(const YAML::Node& bootstrap, const std::string& name) {
  for (const YAML::Node& listener : bootstrap["static_resources"]["listeners"]) {
    if (listener["name"].as<std::string>() != "outbound") continue;
    const YAML::Node config = listener["filter_chains"][0]["filters"][0]["typed_config"];
    for (const YAML::Node& host : config["route_config"]["virtual_hosts"]) {
      if (host["name"].as<std::string>() == name) return host;
    }
  }
  return YAML::Node();
}

TEST_F(EnvoyTest, ProductpageFollowsTheConfiguredRoutes) {
  absl::StatusOr<OutputFiles> files = Generate(kRoutes);
  ASSERT_TRUE(files.ok()) << files.status();
  const YAML::Node bootstrap = YAML::Load(files->at("envoy/productpage-v1.yaml"));
  const YAML::Node reviews = VirtualHost(bootstrap, "reviews.default.svc.cluster.local");
  ASSERT_TRUE(reviews.IsMap());
  const YAML::Node routes = reviews["routes"];
  // The sourceLabels route is not for productpage: two routes remain.
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]["match"]["headers"][0]["name"].as<std::string>(), "end-user");
  EXPECT_EQ(routes[0]["match"]["headers"][0]["string_match"]["exact"].as<std::string>(), "jason");
  EXPECT_EQ(routes[0]["route"]["cluster"].as<std::string>(),
            "outbound|9080|v2|reviews.default.svc.cluster.local");
  EXPECT_EQ(routes[0]["route"]["timeout"].as<std::string>(), "0s");  // never Envoy's 15s
  const YAML::Node split = routes[1]["route"];
  ASSERT_EQ(split["weighted_clusters"]["clusters"].size(), 2u);
  EXPECT_EQ(split["weighted_clusters"]["clusters"][0]["name"].as<std::string>(),
            "outbound|9080|v1|reviews.default.svc.cluster.local");
  EXPECT_EQ(split["weighted_clusters"]["clusters"][0]["weight"].as<int>(), 80);
  EXPECT_EQ(split["weighted_clusters"]["clusters"][1]["weight"].as<int>(), 20);
  EXPECT_EQ(split["retry_policy"]["num_retries"].as<int>(), 2);
  EXPECT_EQ(split["retry_policy"]["per_try_timeout"].as<std::string>(), "0.5s");
  EXPECT_EQ(split["retry_policy"]["retry_on"].as<std::string>(), "internal,unavailable");
  // Subset clusters resolve the per-version Services, over mTLS to reviews' identity.
  int subset_clusters = 0;
  for (const YAML::Node& cluster : bootstrap["static_resources"]["clusters"]) {
    const std::string name = cluster["name"].as<std::string>();
    if (name.find("|v3|reviews") == std::string::npos) continue;
    ++subset_clusters;
    EXPECT_EQ(cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
                     ["socket_address"]["address"]
                         .as<std::string>(),
              "reviews-v3.default.svc.cluster.local");
    EXPECT_EQ(cluster["transport_socket"]["typed_config"]["common_tls_context"]
                     ["validation_context"]["match_typed_subject_alt_names"][0]["matcher"]["exact"]
                         .as<std::string>(),
              "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
  }
  EXPECT_EQ(subset_clusters, 1);
  // details has no VirtualService here: all of it goes to the service.
  const YAML::Node details = VirtualHost(bootstrap, "details.default.svc.cluster.local");
  ASSERT_TRUE(details.IsMap());
  ASSERT_EQ(details["routes"].size(), 1u);
  EXPECT_EQ(details["routes"][0]["match"]["prefix"].as<std::string>(), "/");
}

TEST_F(EnvoyTest, WithoutConfigTheIdlRoutesApply) {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  ASSERT_TRUE(model.ok());
  GenerateOptions options;
  options.targets = {Target::kEnvoy};
  absl::StatusOr<OutputFiles> files =
      GenerateManifests(*model, options, *codegen::EmbeddedTemplateSource());
  ASSERT_TRUE(files.ok()) << files.status();
  const YAML::Node bootstrap = YAML::Load(files->at("envoy/reviews-v3.yaml"));
  const YAML::Node ratings = VirtualHost(bootstrap, "ratings.default.svc.cluster.local");
  ASSERT_TRUE(ratings.IsMap());
  const YAML::Node route = ratings["routes"][0];
  EXPECT_EQ(route["match"]["path"].as<std::string>(), "/bookinfo.RatingsService/GetRatings");
  // ratings.proto: timeout 10s, 3 tries (2 retries) of 2s, on UNAVAILABLE and RESOURCE_EXHAUSTED.
  EXPECT_EQ(route["route"]["timeout"].as<std::string>(), "10s");
  EXPECT_EQ(route["route"]["retry_policy"]["num_retries"].as<int>(), 2);
  EXPECT_EQ(route["route"]["retry_policy"]["per_try_timeout"].as<std::string>(), "2s");
  // Details v1 calls nothing: no outbound host.
  const YAML::Node details = YAML::Load(files->at("envoy/details-v1.yaml"));
  EXPECT_TRUE(VirtualHost(details, "ratings.default.svc.cluster.local").IsNull());
}

TEST_F(EnvoyTest, FaultsAreRefusedNotDropped) {
  absl::StatusOr<OutputFiles> files = Generate(R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - fault: {delay: {fixedDelay: 7s, percentage: {value: 100}}}
    route: [{destination: {host: ratings}}]
)");
  ASSERT_FALSE(files.ok());
  EXPECT_THAT(files.status().message(),
              HasSubstr("routes.yaml:8: VirtualService default/ratings: the envoy target does "
                        "not render fault injection"));
}

}  // namespace
}  // namespace meshup::manifests
