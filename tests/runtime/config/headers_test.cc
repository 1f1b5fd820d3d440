// VirtualService header operations as the loader reads them.
#include <string>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

// A VirtualService of reviews whose one HTTP route is `route_yaml`.
absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const std::string& route_yaml) {
  return LoadConfigFiles(
      {{"test.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n"
        "spec:\n  hosts: [reviews]\n  http:\n  - " +
            route_yaml}});
}

std::string Error(const std::string& route_yaml) {
  auto snapshot = Load(route_yaml);
  EXPECT_FALSE(snapshot.ok()) << "loaded, but should have been refused:\n" << route_yaml;
  return std::string(snapshot.status().message());
}

TEST(HeadersTest, ReadsRouteAndDestinationOperations) {
  auto snapshot = Load(R"(headers:
      request:
        set: {X-Canary: "true", x-discount: "10%%"}
        add: {x-trace-bin: AAEC}
        remove: [X-Debug]
    route:
    - destination: {host: reviews}
      headers:
        request:
          set: {x-version: v1}
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const HttpRoute& route = (*snapshot)->VirtualServiceFor("reviews")->http[0];
  ASSERT_TRUE(route.headers.has_value());
  EXPECT_THAT(route.headers->request.set,
              ElementsAre(Pair("x-canary", "true"), Pair("x-discount", "10%")));
  EXPECT_THAT(route.headers->request.add,
              ElementsAre(Pair("x-trace-bin", std::string("\0\1\2", 3))));
  EXPECT_THAT(route.headers->request.remove, ElementsAre("x-debug"));
  ASSERT_TRUE(route.route[0].headers.has_value());
  EXPECT_THAT(route.route[0].headers->request.set, ElementsAre(Pair("x-version", "v1")));
  EXPECT_THAT((*snapshot)->warnings, IsEmpty());
}

TEST(HeadersTest, ResponseOperationsLoadAndWarnThatNothingSeesThem) {
  auto snapshot = Load(R"(route:
    - destination: {host: reviews}
      headers:
        response:
          remove: [foo]
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT((*snapshot)->warnings,
              ElementsAre(HasSubstr("test.yaml:11:11: VirtualService default/reviews: "
                                    "spec.http[0].route[0].headers.response: has no effect in "
                                    "MeshUp: a MeshUp client gives the calling code no response "
                                    "metadata")));
}

TEST(HeadersTest, SubstitutionsAreRefused) {
  EXPECT_THAT(Error(R"(headers:
      request:
        set: {x-cluster: "%UPSTREAM_CLUSTER%"}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("spec.http[0].headers.request.set.x-cluster: '%UPSTREAM_CLUSTER%': "
                        "substitutions (%VARIABLE%) are not supported"));
}

TEST(HeadersTest, TheAuthorityAndGrpcsOwnHeadersAreRefused) {
  EXPECT_THAT(Error(R"(headers:
      request:
        set: {Host: reviews.example.com}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("spec.http[0].headers.request.set.Host: header 'host': rewriting the "
                        "authority is not supported"));
  EXPECT_THAT(Error(R"(headers:
      request:
        remove: [content-type]
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("spec.http[0].headers.request.remove[0]: header 'content-type' is gRPC's "
                        "own"));
  EXPECT_THAT(Error(R"(headers:
      request:
        add: {grpc-timeout: 1S}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("header name 'grpc-timeout' is reserved by gRPC"));
}

TEST(HeadersTest, ANameTwiceInOneOperationIsRefused) {
  EXPECT_THAT(Error(R"(headers:
      request:
        set: {x-a: "1", X-A: "2"}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("spec.http[0].headers.request.set.X-A: header written twice in one "
                        "mapping (names ignore case)"));
}

TEST(HeadersTest, ABadValueIsRefused) {
  EXPECT_THAT(Error(R"(headers:
      request:
        set: {x-data-bin: "not base64!"}
    route: [{destination: {host: reviews}}]
)"),
              HasSubstr("the value of binary header 'x-data-bin' must be base64"));
}

}  // namespace
}  // namespace meshup::config
