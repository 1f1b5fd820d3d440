#include "routing/route_matcher.h"

#include <map>
#include <string>
#include <vector>

#include "config/loader.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Loads one VirtualService for host "reviews" whose spec.http is `http_yaml`,
// with the subsets v1, v2, v3 defined.
std::shared_ptr<const config::Snapshot> LoadRoutes(const std::string& http_yaml) {
  auto snapshot = config::LoadConfigFiles({{"routes.yaml", R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
)" + http_yaml}});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return *snapshot;
}

// The subset the first matching route sends to (its first destination), or
// "none" when no route matches.
std::string RoutedSubset(const config::Snapshot& snapshot, absl::string_view path,
                         const Headers& headers = {},
                         const std::map<std::string, std::string>* labels = nullptr,
                         absl::string_view ns = "") {
  RequestAttributes request;
  request.path = path;
  request.headers = headers;
  request.source_labels = labels;
  request.source_namespace = ns;
  const config::HttpRoute* route = MatchRoute(*snapshot.RoutesFor("reviews"), request);
  return route == nullptr ? "none" : route->route[0].destination.subset;
}

TEST(RouteMatcherTest, FirstMatchingRouteWins) {
  auto snapshot = LoadRoutes(R"(
  - match:
    - headers: {end-user: {exact: jason}}
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
  - route: [{destination: {host: reviews, subset: v3}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews", {{"end-user", "jason"}}), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews", {{"end-user", "jasonx"}}),
            "v1");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews"), "v1");
}

TEST(RouteMatcherTest, MatchesTheGrpcPathExactlyByPrefixAndByRegex) {
  auto snapshot = LoadRoutes(R"(
  - match: [{uri: {exact: /bookinfo.Reviews/GetReviews}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {prefix: /bookinfo.Reviews/}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{uri: {regex: "/bookinfo\\.[A-Z][a-z]+/Ping"}}]
    route: [{destination: {host: reviews, subset: v3}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews"), "v1");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/Other"), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Ratings/Ping"), "v3");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Ratings/PingX"), "none");
  EXPECT_EQ(RoutedSubset(*snapshot, "/other.Svc/M"), "none");
}

TEST(RouteMatcherTest, AnyEntryOfAMatchListSuffices) {
  auto snapshot = LoadRoutes(R"(
  - match:
    - headers: {end-user: {exact: jason}}
    - headers: {x-canary: {prefix: "yes"}}
    route: [{destination: {host: reviews, subset: v2}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {{"end-user", "jason"}}), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {{"x-canary", "yes-please"}}), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {{"x-canary", "no"}}), "none");
}

TEST(RouteMatcherTest, EveryConditionOfOneEntryMustHold) {
  auto snapshot = LoadRoutes(R"(
  - match:
    - uri: {prefix: /bookinfo.Reviews/}
      headers:
        end-user: {regex: "j.*n"}
    route: [{destination: {host: reviews, subset: v2}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews", {{"end-user", "jason"}}), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews", {{"end-user", "bob"}}), "none");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Ratings/Get", {{"end-user", "jason"}}), "none");
}

TEST(RouteMatcherTest, WithoutHeadersAndIgnoreUriCase) {
  auto snapshot = LoadRoutes(R"(
  - match:
    - uri: {prefix: /BOOKINFO.reviews/}
      ignoreUriCase: true
      withoutHeaders:
        x-debug: {exact: "1"}
    route: [{destination: {host: reviews, subset: v2}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews"), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/bookinfo.Reviews/GetReviews", {{"x-debug", "1"}}), "none");
}

TEST(RouteMatcherTest, SourceLabelsAndNamespace) {
  auto snapshot = LoadRoutes(R"(
  - match:
    - sourceLabels: {app: productpage}
      sourceNamespace: bookinfo
    route: [{destination: {host: reviews, subset: v2}}]
)");
  const std::map<std::string, std::string> productpage = {{"app", "productpage"}};
  const std::map<std::string, std::string> other = {{"app", "other"}};
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {}, &productpage, "bookinfo"), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {}, &productpage, "default"), "none");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {}, &other, "bookinfo"), "none");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/M", {}, nullptr, "bookinfo"), "none");
}

TEST(RouteMatcherTest, ExactUriRoutesKeepTheirPlaceAmongOtherRoutes) {
  // The exact-URI routes are looked up by path; the others are tried in
  // between, in file order, as if every route were tried in turn.
  auto snapshot = LoadRoutes(R"(
  - match: [{uri: {exact: /p.S/A}, headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {prefix: /p.S/A}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{uri: {exact: /p.S/A}}, {uri: {exact: /p.S/B}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - match: [{uri: {exact: /P.s/c}, ignoreUriCase: true}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {exact: /p.S/B}}]
    route: [{destination: {host: reviews, subset: v2}}]
)");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/A", {{"end-user", "jason"}}), "v1");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/A"), "v2");    // the prefix route comes first
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/AB"), "v2");
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/B"), "v3");    // the first of two routes naming it
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.s/C"), "v1");    // case-insensitive: not looked up
  EXPECT_EQ(RoutedSubset(*snapshot, "/p.S/D"), "none");
}

TEST(RouteMatcherTest, TheRouteIndexChoosesWhatTryingEveryRouteChooses) {
  auto snapshot = LoadRoutes(R"(
  - match: [{uri: {exact: /p.S/M1}, headers: {x-v: {exact: "3"}}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - match: [{uri: {exact: /p.S/M2}}, {uri: {exact: /p.S/M3}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{headers: {x-v: {exact: "2"}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{uri: {exact: /p.S/M1}}, {uri: {regex: "/p\\.S/M[4-5]"}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {exact: /p.S/M4}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - match: [{uri: {exact: /p.S/M5}, withoutHeaders: {x-v: {exact: "1"}}}]
    route: [{destination: {host: reviews, subset: v2}}]
)");
  const config::RouteTable& indexed = *snapshot->RoutesFor("reviews");
  ASSERT_TRUE(indexed.index.built);
  config::RouteTable unindexed = indexed;
  unindexed.index = config::RouteIndex();
  for (const char* path : {"/p.S/M1", "/p.S/M2", "/p.S/M3", "/p.S/M4", "/p.S/M5", "/p.S/M6"}) {
    for (const char* version : {"", "1", "2", "3"}) {
      Headers headers;
      if (*version != '\0') headers.emplace_back("x-v", version);
      RequestAttributes request;
      request.path = path;
      request.headers = headers;
      const config::HttpRoute* by_index = MatchRoute(indexed, request);
      const config::HttpRoute* in_turn = MatchRoute(unindexed, request);
      const int by_index_at = by_index == nullptr ? -1 : static_cast<int>(by_index - indexed.routes.data());
      const int in_turn_at = in_turn == nullptr ? -1 : static_cast<int>(in_turn - unindexed.routes.data());
      EXPECT_EQ(by_index_at, in_turn_at) << path << " x-v=" << version;
    }
  }
}

// The share of each subset, in percent, in 100,000 draws with a fixed seed.
// With p = 0.2 the standard deviation of a share is 0.13 percentage points
// (0.14 with p = 0.25), so a +-1 point tolerance is more than seven of them.
std::map<std::string, double> SharesOf100000Draws(const config::HttpRoute& route) {
  SeededRandom random(42);
  std::map<std::string, double> shares;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) shares[PickWeighted(route, random).destination.subset] += 1;
  for (auto& [subset, share] : shares) share = share * 100.0 / kDraws;
  return shares;
}

TEST(PickWeightedTest, FollowsTheWeights) {
  auto snapshot = LoadRoutes(R"(
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v3}, weight: 20}
)");
  std::map<std::string, double> shares =
      SharesOf100000Draws(snapshot->VirtualServiceFor("reviews")->http[0]);
  EXPECT_NEAR(shares["v1"], 80.0, 1.0);
  EXPECT_NEAR(shares["v3"], 20.0, 1.0);
}

TEST(PickWeightedTest, AZeroWeightIsNeverPicked) {
  auto snapshot = LoadRoutes(R"(
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 0}
    - {destination: {host: reviews, subset: v2}, weight: 100}
)");
  const config::HttpRoute& route = snapshot->VirtualServiceFor("reviews")->http[0];
  SeededRandom random(7);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_EQ(PickWeighted(route, random).destination.subset, "v2");
  }
}

// Weights are shares of their sum, as Gateway API's backendRef weights are
// (1 and 3: a quarter and three quarters). A VirtualService's add up to 100,
// so for Istio's routes a share is the weight in percent.
TEST(PickWeightedTest, WeightsAreSharesOfTheirSum) {
  config::HttpRoute route;
  route.route.resize(2);
  route.route[0].destination.subset = "v1";
  route.route[0].weight = 1;
  route.route[1].destination.subset = "v2";
  route.route[1].weight = 3;
  std::map<std::string, double> shares = SharesOf100000Draws(route);
  EXPECT_NEAR(shares["v1"], 25.0, 1.0);
  EXPECT_NEAR(shares["v2"], 75.0, 1.0);
}

}  // namespace
}  // namespace meshup::internal
