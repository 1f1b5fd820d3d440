// A route's request header operations, in the order an Istio sidecar
// applies them.
#include "routing/header_rules.h"

#include <memory>
#include <string>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The first route of the VirtualService `http_yaml` describes (its http
// list), from a snapshot kept alive by the caller.
std::shared_ptr<const config::Snapshot> Load(const std::string& http_yaml) {
  auto snapshot = config::LoadConfigFiles(
      {{"routes.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n"
        "spec:\n  hosts: [reviews]\n  http:\n" +
            http_yaml}});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : nullptr;
}

const Headers kCaller = {{"end-user", "jason"}, {"x-old", "1"}, {"x-old", "2"}, {"x-keep", "k"}};

TEST(HeaderRulesTest, SetReplacesAddAppendsRemoveDrops) {
  auto snapshot = Load(R"(  - headers:
      request:
        set: {X-Old: new, x-fresh: f}
        add: {x-keep: k2, end-user: bob}
        remove: [end-user]
    route: [{destination: {host: reviews}}]
)");
  ASSERT_NE(snapshot, nullptr);
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  std::optional<Headers> headers = RouteRequestHeaders(route, route.route[0], kCaller);
  ASSERT_TRUE(headers.has_value());
  // Removal comes first, so the added end-user stays.
  EXPECT_THAT(*headers, ElementsAre(Pair("x-keep", "k"), Pair("x-old", "new"), Pair("x-fresh", "f"),
                                    Pair("x-keep", "k2"), Pair("end-user", "bob")));
}

TEST(HeaderRulesTest, WithoutRequestOperationsTheCallersHeadersGoAsTheyAre) {
  auto snapshot = Load(R"(  - headers:
      response:
        set: {x-served-by: reviews}
    route: [{destination: {host: reviews}}]
)");
  ASSERT_NE(snapshot, nullptr);
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  EXPECT_FALSE(RouteRequestHeaders(route, route.route[0], kCaller).has_value());
}

TEST(HeaderRulesTest, AnEmptyValueSetsNothing) {
  auto snapshot = Load(R"(  - headers:
      request:
        set: {x-keep: ""}
    route: [{destination: {host: reviews}}]
)");
  ASSERT_NE(snapshot, nullptr);
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  EXPECT_EQ(*RouteRequestHeaders(route, route.route[0], kCaller), kCaller);
}

// One destination: Istio folds its operations into the route's, after them,
// so the destination's set wins and every removal comes first.
TEST(HeaderRulesTest, AnOnlyDestinationsOperationsFollowTheRoutes) {
  auto snapshot = Load(R"(  - headers:
      request:
        set: {x-level: route}
        remove: [x-dest]
    route:
    - destination: {host: reviews}
      headers:
        request:
          set: {x-level: destination, x-dest: d}
)");
  ASSERT_NE(snapshot, nullptr);
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  EXPECT_THAT(*RouteRequestHeaders(route, route.route[0], {}),
              ElementsAre(Pair("x-level", "destination"), Pair("x-dest", "d")));
}

// Several destinations: the chosen one's level applies, then the route's.
TEST(HeaderRulesTest, OfSeveralDestinationsTheChosenOnesComeFirstAndTheRouteWins) {
  auto snapshot = Load(R"(  - headers:
      request:
        set: {x-level: route}
        remove: [x-dest]
    route:
    - destination: {host: reviews}
      weight: 50
      headers:
        request:
          set: {x-level: destination, x-dest: d}
          add: {x-which: first}
    - destination: {host: ratings}
      weight: 50
      headers:
        request:
          add: {x-which: second}
)");
  ASSERT_NE(snapshot, nullptr);
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  EXPECT_THAT(*RouteRequestHeaders(route, route.route[0], {}),
              ElementsAre(Pair("x-which", "first"), Pair("x-level", "route")));
  EXPECT_THAT(*RouteRequestHeaders(route, route.route[1], {}),
              ElementsAre(Pair("x-which", "second"), Pair("x-level", "route")));
}

}  // namespace
}  // namespace meshup::internal
