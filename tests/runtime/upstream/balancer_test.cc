#include "upstream/balancer.h"

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using Policy = config::LoadBalancer::Policy;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

EndpointList MakeEndpoints(int count) {
  EndpointList endpoints;
  for (int i = 0; i < count; ++i) {
    endpoints.push_back(
        std::make_shared<Endpoint>(EndpointInfo{absl::StrCat("10.0.0.", i, ":9080")}));
  }
  return endpoints;
}

config::LoadBalancer MakePolicy(Policy policy) {
  config::LoadBalancer config;
  config.policy = policy;
  if (policy == Policy::kConsistentHash) config.hash_header = "x-user";
  return config;
}

PickContext Context(absl::Span<Endpoint* const> exclude = {}) {
  PickContext context;
  context.now = kNow;
  context.exclude = exclude;
  return context;
}

// How many of `picks` picks went to each endpoint of `endpoints`, in order.
std::vector<int> CountPicks(Balancer& balancer, const EndpointList& endpoints, int picks,
                            const PickContext& context = Context()) {
  std::map<Endpoint*, int> counts;
  for (int i = 0; i < picks; ++i) ++counts[balancer.Pick(context)];
  std::vector<int> result;
  for (const auto& endpoint : endpoints) result.push_back(counts[endpoint.get()]);
  return result;
}

// The behavior every policy shares. With consistent hashing, each pick uses
// another key, so that picks spread over the set.
struct Case {
  const char* name;
  Policy policy;
  bool with_hash_key;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class AnyBalancerTest : public testing::TestWithParam<Case> {
 protected:
  std::unique_ptr<Balancer> Make(EndpointList endpoints) {
    return NewBalancer(MakePolicy(GetParam().policy), std::move(endpoints), random_);
  }

  // `picks` picks; the endpoints picked, with repeats.
  std::vector<Endpoint*> PickMany(Balancer& balancer, int picks,
                                  absl::Span<Endpoint* const> exclude = {}, absl::Time now = kNow) {
    std::vector<Endpoint*> picked;
    for (int i = 0; i < picks; ++i) {
      const std::string key = absl::StrCat("user-", i);
      PickContext context = Context(exclude);
      context.now = now;
      if (GetParam().with_hash_key) {
        context.hash_key = key;
        context.has_hash_key = true;
      }
      picked.push_back(balancer.Pick(context));
    }
    return picked;
  }

  SeededRandom random_{42};
};

TEST_P(AnyBalancerTest, EmptySetGivesNull) {
  auto balancer = Make({});
  EXPECT_EQ(balancer->Pick(Context()), nullptr);
}

TEST_P(AnyBalancerTest, PicksEveryEndpointOfTheSet) {
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = Make(endpoints);
  std::vector<Endpoint*> picked = PickMany(*balancer, 300);
  for (const auto& endpoint : endpoints) {
    EXPECT_NE(std::find(picked.begin(), picked.end(), endpoint.get()), picked.end())
        << endpoint->address();
  }
}

TEST_P(AnyBalancerTest, NeverPicksAnExcludedEndpoint) {
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = Make(endpoints);
  const std::vector<Endpoint*> exclude = {endpoints[0].get()};
  for (Endpoint* endpoint : PickMany(*balancer, 300, exclude)) {
    ASSERT_NE(endpoint, nullptr);
    EXPECT_NE(endpoint, endpoints[0].get());
  }
}

TEST_P(AnyBalancerTest, SkipsAnEjectedEndpointUntilItReturns) {
  EndpointList endpoints = MakeEndpoints(3);
  endpoints[1]->EjectUntil(kNow + absl::Seconds(30));
  auto balancer = Make(endpoints);
  for (Endpoint* endpoint : PickMany(*balancer, 300)) {
    ASSERT_NE(endpoint, nullptr);
    EXPECT_NE(endpoint, endpoints[1].get());
  }
  std::vector<Endpoint*> later = PickMany(*balancer, 300, {}, kNow + absl::Seconds(30));
  EXPECT_NE(std::find(later.begin(), later.end(), endpoints[1].get()), later.end());
}

TEST_P(AnyBalancerTest, PicksTheOnlyEndpointNeitherExcludedNorEjected) {
  EndpointList endpoints = MakeEndpoints(3);
  endpoints[1]->EjectUntil(kNow + absl::Seconds(30));
  auto balancer = Make(endpoints);
  const std::vector<Endpoint*> exclude = {endpoints[0].get()};
  for (Endpoint* endpoint : PickMany(*balancer, 100, exclude)) {
    EXPECT_EQ(endpoint, endpoints[2].get());
  }
}

TEST_P(AnyBalancerTest, PanicModePicksAnEjectedEndpointRatherThanNone) {
  EndpointList endpoints = MakeEndpoints(3);
  for (const auto& endpoint : endpoints) endpoint->EjectUntil(kNow + absl::Seconds(30));
  auto balancer = Make(endpoints);
  const std::vector<Endpoint*> exclude = {endpoints[0].get()};
  for (Endpoint* endpoint : PickMany(*balancer, 100, exclude)) {
    ASSERT_NE(endpoint, nullptr);
    EXPECT_NE(endpoint, endpoints[0].get());
  }
}

TEST_P(AnyBalancerTest, ReusesAnExcludedEndpointWhenAllAreExcluded) {
  EndpointList endpoints = MakeEndpoints(1);
  auto balancer = Make(endpoints);
  const std::vector<Endpoint*> exclude = {endpoints[0].get()};
  for (Endpoint* endpoint : PickMany(*balancer, 10, exclude)) {
    EXPECT_EQ(endpoint, endpoints[0].get());
  }
}

TEST_P(AnyBalancerTest, FindsTheOneEligibleEndpointOfALargeSet) {
  EndpointList endpoints = MakeEndpoints(1000);
  for (const auto& endpoint : endpoints) endpoint->EjectUntil(kNow + absl::Seconds(30));
  endpoints[777]->EjectUntil(kNow);
  auto balancer = Make(endpoints);
  for (Endpoint* endpoint : PickMany(*balancer, 100)) {
    EXPECT_EQ(endpoint, endpoints[777].get());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policies, AnyBalancerTest,
    testing::Values(Case{"LeastRequest", Policy::kLeastRequest, false},
                    Case{"RoundRobin", Policy::kRoundRobin, false},
                    Case{"Random", Policy::kRandom, false},
                    Case{"ConsistentHashWithKey", Policy::kConsistentHash, true},
                    Case{"ConsistentHashWithoutKey", Policy::kConsistentHash, false}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Each of 3 endpoints gets 1/3 of 30000 picks, within 2 percentage points
// (600 picks: about 7 standard deviations).
void ExpectEvenOverThree(const std::vector<int>& counts) {
  ASSERT_EQ(counts.size(), 3u);
  for (int count : counts) {
    EXPECT_NEAR(count / 30000.0, 1.0 / 3, 0.02);
  }
}

TEST(RandomBalancerTest, SpreadsEvenly) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = NewBalancer(MakePolicy(Policy::kRandom), endpoints, random);
  ExpectEvenOverThree(CountPicks(*balancer, endpoints, 30000));
}

TEST(LeastRequestBalancerTest, IsTheDefault) {
  EXPECT_EQ(config::LoadBalancer().policy, Policy::kLeastRequest);
}

TEST(LeastRequestBalancerTest, SpreadsEvenlyWhenLoadsAreEqual) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = NewBalancer(MakePolicy(Policy::kLeastRequest), endpoints, random);
  ExpectEvenOverThree(CountPicks(*balancer, endpoints, 30000));
}

TEST(LeastRequestBalancerTest, AlwaysPicksTheLessLoadedOfTwo) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(2);
  endpoints[0]->AddInFlight(10);
  auto balancer = NewBalancer(MakePolicy(Policy::kLeastRequest), endpoints, random);
  EXPECT_EQ(CountPicks(*balancer, endpoints, 1000), (std::vector<int>{0, 1000}));
}

TEST(LeastRequestBalancerTest, NeverPicksTheMostLoaded) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  endpoints[0]->AddInFlight(1);
  endpoints[1]->AddInFlight(5);
  auto balancer = NewBalancer(MakePolicy(Policy::kLeastRequest), endpoints, random);
  std::vector<int> counts = CountPicks(*balancer, endpoints, 3000);
  EXPECT_EQ(counts[1], 0);
  // The least loaded wins both of its pairs, the middle one only against
  // the most loaded: 2/3 and 1/3 of the picks.
  EXPECT_GT(counts[2], counts[0]);
}

TEST(RoundRobinBalancerTest, CyclesInOrder) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = NewBalancer(MakePolicy(Policy::kRoundRobin), endpoints, random);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(balancer->Pick(Context()), endpoints[i % 3].get()) << i;
  }
}

TEST(RoundRobinBalancerTest, SpreadsExactlyEvenlyAcrossThreads) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = NewBalancer(MakePolicy(Policy::kRoundRobin), endpoints, random);
  std::vector<std::map<Endpoint*, int>> counts(4);
  std::vector<std::thread> threads;
  for (auto& thread_counts : counts) {
    threads.emplace_back([&balancer, &thread_counts] {
      for (int i = 0; i < 3000; ++i) ++thread_counts[balancer->Pick(Context())];
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& endpoint : endpoints) {
    int total = 0;
    for (auto& thread_counts : counts) total += thread_counts[endpoint.get()];
    EXPECT_EQ(total, 4000) << endpoint->address();
  }
}

TEST(RoundRobinBalancerTest, SkipsAnEjectedEndpointToTheNext) {
  SeededRandom random(7);
  EndpointList endpoints = MakeEndpoints(3);
  endpoints[1]->EjectUntil(kNow + absl::Seconds(1));
  auto balancer = NewBalancer(MakePolicy(Policy::kRoundRobin), endpoints, random);
  std::vector<Endpoint*> picked;
  for (int i = 0; i < 3; ++i) picked.push_back(balancer->Pick(Context()));
  EXPECT_EQ(picked,
            (std::vector<Endpoint*>{endpoints[0].get(), endpoints[2].get(), endpoints[2].get()}));
}

class ConsistentHashBalancerTest : public testing::Test {
 protected:
  std::unique_ptr<Balancer> Make(EndpointList endpoints) {
    return NewBalancer(MakePolicy(Policy::kConsistentHash), std::move(endpoints), random_);
  }

  static Endpoint* PickFor(Balancer& balancer, absl::string_view key,
                           absl::Span<Endpoint* const> exclude = {}) {
    PickContext context = Context(exclude);
    context.hash_key = key;
    context.has_hash_key = true;
    return balancer.Pick(context);
  }

  // The address each of `keys` keys maps to.
  static std::vector<std::string> Map(Balancer& balancer, int keys) {
    std::vector<std::string> addresses;
    for (int i = 0; i < keys; ++i) {
      addresses.push_back(PickFor(balancer, absl::StrCat("user-", i))->address());
    }
    return addresses;
  }

  SeededRandom random_{7};
};

TEST_F(ConsistentHashBalancerTest, SameKeySameEndpoint) {
  EndpointList endpoints = MakeEndpoints(10);
  auto balancer = Make(endpoints);
  // A balancer made again over an equal set (new objects, another order)
  // maps keys the same way: the ring depends only on the addresses.
  EndpointList reversed = MakeEndpoints(10);
  std::reverse(reversed.begin(), reversed.end());
  auto again = Make(reversed);
  EXPECT_EQ(Map(*balancer, 1000), Map(*balancer, 1000));
  EXPECT_EQ(Map(*balancer, 1000), Map(*again, 1000));
}

TEST_F(ConsistentHashBalancerTest, SpreadsKeysOverEndpoints) {
  EndpointList endpoints = MakeEndpoints(10);
  auto balancer = Make(endpoints);
  std::map<std::string, int> counts;
  for (const std::string& address : Map(*balancer, 1000)) ++counts[address];
  ASSERT_EQ(counts.size(), 10u);
  // 100 keys each on average; 100 points per endpoint keep every share
  // within a factor of two.
  for (const auto& [address, count] : counts) {
    EXPECT_GT(count, 50) << address;
    EXPECT_LT(count, 200) << address;
  }
}

TEST_F(ConsistentHashBalancerTest, RemovingOneOfTenRemapsOnlyItsKeys) {
  EndpointList endpoints = MakeEndpoints(10);
  auto before = Make(endpoints);
  const std::string removed = endpoints[3]->address();
  endpoints.erase(endpoints.begin() + 3);
  auto after = Make(endpoints);
  std::vector<std::string> old_map = Map(*before, 1000);
  std::vector<std::string> new_map = Map(*after, 1000);
  int remapped = 0;
  for (size_t i = 0; i < old_map.size(); ++i) {
    if (old_map[i] == new_map[i]) continue;
    ++remapped;
    EXPECT_EQ(old_map[i], removed) << "key " << i << " moved off a remaining endpoint";
  }
  EXPECT_GT(remapped, 0);
  EXPECT_LT(remapped, 200);
}

TEST_F(ConsistentHashBalancerTest, AnExcludedEndpointMovesTheKeyToTheSameNextEndpoint) {
  EndpointList endpoints = MakeEndpoints(10);
  auto balancer = Make(endpoints);
  Endpoint* first = PickFor(*balancer, "user-1");
  const std::vector<Endpoint*> exclude = {first};
  Endpoint* second = PickFor(*balancer, "user-1", exclude);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_EQ(PickFor(*balancer, "user-1", exclude), second);
}

TEST_F(ConsistentHashBalancerTest, WithoutAKeyPicksAtRandom) {
  EndpointList endpoints = MakeEndpoints(3);
  auto balancer = Make(endpoints);
  ExpectEvenOverThree(CountPicks(*balancer, endpoints, 30000));
}

TEST_F(ConsistentHashBalancerTest, HandlesAHundredThousandEndpoints) {
  EndpointList endpoints = MakeEndpoints(100000);
  auto balancer = Make(endpoints);
  std::map<std::string, int> counts;
  for (const std::string& address : Map(*balancer, 1000)) ++counts[address];
  EXPECT_GT(counts.size(), 900u);
  EXPECT_EQ(Map(*balancer, 100), Map(*balancer, 100));
}

}  // namespace
}  // namespace meshup::internal
