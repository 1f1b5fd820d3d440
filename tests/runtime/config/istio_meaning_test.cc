// Configurations Istio accepts and gives a meaning: MeshUp loads them with
// that meaning, and refuses, saying why, only what it cannot do.
#include <string>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const std::string& spec_yaml) {
  return LoadConfigFiles(
      {{"test.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n"
        "spec:\n  hosts: [reviews]\n" +
            spec_yaml}});
}

std::string Error(const std::string& spec_yaml) {
  auto snapshot = Load(spec_yaml);
  EXPECT_FALSE(snapshot.ok()) << "loaded, but should have been refused:\n" << spec_yaml;
  return std::string(snapshot.status().message());
}

TEST(IstioMeaningTest, AVirtualServiceOfGatewaysOnlyLoadsAndRoutesNothing) {
  auto snapshot = Load(R"(  gateways: [bookinfo-gateway]
  http:
  - route: [{destination: {host: reviews}}]
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->VirtualServiceFor("reviews"), nullptr);
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("test.yaml:6:13: VirtualService default/reviews: "
                                    "spec.gateways: every route applies at gateways only, and "
                                    "MeshUp runs no gateway")));
}

TEST(IstioMeaningTest, AVirtualServiceOfGatewaysAndTheMeshRoutesTheMesh) {
  auto snapshot = Load(R"(  gateways: [bookinfo-gateway, mesh]
  http:
  - route: [{destination: {host: reviews}}]
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_NE((*snapshot)->VirtualServiceFor("reviews"), nullptr);
  EXPECT_TRUE((*snapshot)->VirtualServiceFor("reviews")->http[0].in_mesh);
}

TEST(IstioMeaningTest, AMatchEntrysGatewaysReplaceTheVirtualServices) {
  auto snapshot = Load(R"(  http:
  - match: [{gateways: [bookinfo-gateway]}, {gateways: [mesh], uri: {prefix: /}}]
    route: [{destination: {host: reviews}}]
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const HttpRoute& route = (*snapshot)->VirtualServiceFor("reviews")->http[0];
  EXPECT_FALSE(route.matches[0].in_mesh);
  EXPECT_TRUE(route.matches[1].in_mesh);
}

TEST(IstioMeaningTest, TcpAndTlsRoutesWarnForGrpcIsRoutedByHttpRoutes) {
  auto snapshot = Load(R"(  tcp:
  - route: [{destination: {host: reviews}}]
  tls:
  - match: [{sniHosts: [reviews]}]
    route: [{destination: {host: reviews}}]
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->VirtualServiceFor("reviews"), nullptr);
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("spec.tcp: has no effect in MeshUp: it carries gRPC only"),
                          HasSubstr("spec.tls: has no effect in MeshUp")));
  EXPECT_THAT(Error("  exportTo: ['.']\n"),
              HasSubstr("spec.http: at least one http, tcp or tls route is required"));
}

TEST(IstioMeaningTest, CorsWarnsForCallsBetweenServicesAreNotCrossOriginRequests) {
  auto snapshot = Load(R"(  http:
  - route: [{destination: {host: reviews}}]
    corsPolicy: {allowOrigins: [{exact: "*"}]}
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("spec.http[0].corsPolicy: has no effect in MeshUp")));
}

TEST(IstioMeaningTest, WhatTheRuntimeCannotDoIsRefusedWithWhy) {
  EXPECT_THAT(Error(R"(  http:
  - redirect: {uri: /v2}
)"),
              HasSubstr("spec.http[0].redirect: not supported: a route that answers for the "
                        "server gives a gRPC client no gRPC response"));
  EXPECT_THAT(Error(R"(  http:
  - directResponse: {status: 503}
)"),
              HasSubstr("spec.http[0].directResponse: not supported"));
  EXPECT_THAT(Error(R"(  http:
  - rewrite: {uri: /bookinfo.Reviews/GetReviewsV2}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("spec.http[0].rewrite: not supported: MeshUp sends a call to the method "
                        "and service its client was generated for"));
  EXPECT_THAT(Error(R"(  http:
  - delegate: {name: reviews-routes}
)"),
              HasSubstr("spec.http[0].delegate: not supported: Istio delegates routes of "
                        "gateways only"));
}

TEST(IstioMeaningTest, DestinationRuleRefusalsSayWhy) {
  auto error = [](const std::string& spec) {
    auto snapshot = LoadConfigFiles(
        {{"test.yaml",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
          "spec:\n  host: reviews\n" +
              spec}});
    return snapshot.ok() ? std::string("loaded") : std::string(snapshot.status().message());
  };
  EXPECT_THAT(error("  trafficPolicy:\n    portLevelSettings: [{port: {number: 9080}}]\n"),
              HasSubstr("spec.trafficPolicy.portLevelSettings: not supported: a MeshUp service "
                        "serves gRPC on one port"));
  EXPECT_THAT(error("  workloadSelector: {matchLabels: {app: productpage}}\n"),
              HasSubstr("spec.workloadSelector: not supported: a rule for some calling "
                        "workloads only"));
}

TEST(IstioMeaningTest, AWildcardCoversTheHostsIstiosDoes) {
  EXPECT_TRUE(WildcardCovers("*", "reviews"));
  EXPECT_TRUE(WildcardCovers("*", "api.example.com"));
  for (const char* pattern :
       {"*.local", "*.cluster.local", "*.svc.cluster.local", "*.prod.svc.cluster.local"}) {
    EXPECT_TRUE(WildcardCovers(pattern, "reviews")) << pattern;  // in any namespace
  }
  EXPECT_FALSE(WildcardCovers("*.example.com", "reviews"));
  EXPECT_FALSE(WildcardCovers("*.a.b.svc.cluster.local", "reviews"));
  EXPECT_TRUE(WildcardCovers("*.example.com", "api.example.com"));
  EXPECT_TRUE(WildcardCovers("*.example.com", "v1.api.example.com"));
  EXPECT_FALSE(WildcardCovers("*.example.com", "example.com"));
  EXPECT_FALSE(WildcardCovers("*.example.com", "badexample.com"));
}

// Istio's mesh-wide DestinationRule (host "*.local") applies to every
// service without a rule of its own; a VirtualService of "*.example.com"
// routes the hosts under it.
TEST(IstioMeaningTest, WildcardHostsApplyToTheHostsTheyCover) {
  auto snapshot = LoadConfigFiles({{"test.yaml", R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mesh-wide}
spec:
  host: "*.local"
  trafficPolicy: {loadBalancer: {simple: RANDOM}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: everything}
spec:
  host: "*"
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: example}
spec:
  hosts: ["*.example.com"]
  http:
  - route: [{destination: {host: api.example.com}}]
)"}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->DestinationRuleFor("reviews")->origin.name, "reviews");
  EXPECT_EQ((*snapshot)->DestinationRuleFor("ratings")->origin.name, "mesh-wide");
  EXPECT_EQ((*snapshot)->DestinationRuleFor("httpbin.org")->origin.name, "everything");
  ASSERT_NE((*snapshot)->VirtualServiceFor("v2.example.com"), nullptr);
  EXPECT_EQ((*snapshot)->VirtualServiceFor("v2.example.com")->origin.name, "example");
  EXPECT_EQ((*snapshot)->VirtualServiceFor("reviews"), nullptr);
  EXPECT_THAT(LoadConfigFiles({{"bad.yaml",
                                "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                                "metadata: {name: r}\nspec: {host: \"*example.com\"}\n"}})
                  .status()
                  .message(),
              HasSubstr("spec.host: wildcard host '*example.com' is not \"*\" or \"*.\" and a "
                        "DNS name"));
}

TEST(IstioMeaningTest, DnsRoundRobinResolutionIsDns) {
  auto snapshot = LoadConfigFiles(
      {{"test.yaml",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: api}\n"
        "spec:\n  hosts: [api.example.com]\n  ports: [{number: 443, name: grpc}]\n"
        "  resolution: DNS_ROUND_ROBIN\n"}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->service_entries[0].resolution, ServiceEntry::Resolution::kDns);
}

}  // namespace
}  // namespace meshup::config
