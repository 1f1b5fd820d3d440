#include "side_by_side/repetitions.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::bench {
namespace {

using ::testing::ElementsAre;

TEST(BalancedOrderTest, FourArmsFollowWilliamsSquare) {
  EXPECT_THAT(BalancedOrder(1, 4), ElementsAre(0, 1, 3, 2));
  EXPECT_THAT(BalancedOrder(2, 4), ElementsAre(1, 2, 0, 3));
  EXPECT_THAT(BalancedOrder(4, 4), ElementsAre(3, 0, 2, 1));
  EXPECT_THAT(BalancedOrder(5, 4), ElementsAre(0, 1, 3, 2));  // the cycle again
  EXPECT_THAT(BalancedOrder(1, 2), ElementsAre(0, 1));
  EXPECT_THAT(BalancedOrder(2, 2), ElementsAre(1, 0));
  EXPECT_THAT(BalancedOrder(3, 1), ElementsAre(0));
  EXPECT_TRUE(BalancedOrder(1, 0).empty());
}

// Over one cycle: every arm once per repetition, equally often in each
// place, and right after each other arm equally often; for 2 to 8 arms.
TEST(BalancedOrderTest, EachCycleBalancesPlacesAndPredecessors) {
  for (size_t arms = 2; arms <= 8; ++arms) {
    const int cycle = BalancedCycle(arms);
    EXPECT_EQ(cycle, static_cast<int>(arms % 2 == 0 ? arms : 2 * arms)) << arms << " arms";
    std::map<std::pair<size_t, size_t>, int> in_place, after;
    for (int rep = 1; rep <= cycle; ++rep) {
      const std::vector<size_t> order = BalancedOrder(rep, arms);
      ASSERT_EQ(std::set<size_t>(order.begin(), order.end()).size(), arms)
          << arms << " arms, repetition " << rep;
      for (size_t place = 0; place < arms; ++place) {
        ++in_place[{place, order[place]}];
        if (place > 0) ++after[{order[place - 1], order[place]}];
      }
    }
    const int per_place = cycle / static_cast<int>(arms);
    const int per_pair = cycle * static_cast<int>(arms - 1) / static_cast<int>(arms * (arms - 1));
    for (size_t a = 0; a < arms; ++a) {
      for (size_t b = 0; b < arms; ++b) {
        EXPECT_EQ(in_place[std::make_pair(a, b)], per_place) << arms << " arms: arm " << b << " in place " << a;
        if (a != b) {
          EXPECT_EQ(after[std::make_pair(a, b)], per_pair) << arms << " arms: " << b << " after " << a;
        }
      }
    }
  }
}

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

TEST(MedianDifferenceTest, PairsByRepetitionNotByRank) {
  // The machine slowed down in repetition 3: both arms took 100 more. The
  // difference of the medians would say 10; every pair but one says 5.
  const std::vector<double> mesh = {210, 205, 305};
  const std::vector<double> plain = {200, 200, 300};
  EXPECT_DOUBLE_EQ(MedianDifference(mesh, plain), 5);  // pairs 10, 5, 5
  // Unequal lengths: only the pairs present count.
  EXPECT_DOUBLE_EQ(MedianDifference({10, 20, 99}, {0, 0}), 15);
}

TEST(MedianDifferenceIntervalTest, SignTestBoundsForThirtyPairs) {
  // 30 pairs whose differences are 1..30: P(Binomial(30, 1/2) < 10) is
  // 2.1%, < 11 is 4.9%, so the interval runs from the 10th smallest to the
  // 10th largest difference.
  std::vector<double> mesh, plain;
  for (int i = 1; i <= 30; ++i) {
    mesh.push_back(1000 + i);
    plain.push_back(1000);
  }
  std::optional<Interval> interval = MedianDifferenceInterval(mesh, plain);
  ASSERT_TRUE(interval.has_value());
  EXPECT_DOUBLE_EQ(interval->low, 10);
  EXPECT_DOUBLE_EQ(interval->high, 21);
  // The order of the repetitions does not matter, the pairing does.
  std::reverse(mesh.begin(), mesh.end());
  std::reverse(plain.begin(), plain.end());
  interval = MedianDifferenceInterval(mesh, plain);
  ASSERT_TRUE(interval.has_value());
  EXPECT_DOUBLE_EQ(interval->low, 10);
  EXPECT_DOUBLE_EQ(interval->high, 21);
}

TEST(MedianDifferenceIntervalTest, SixPairsAreTheFewestThatBoundTheMedian) {
  // With 6 pairs, P(all on one side) = 1/64 < 2.5%: the interval is the
  // smallest to the largest difference. With 5, 1/32 > 2.5%: none.
  const std::vector<double> six = {3, -1, 7, 2, 5, 4};
  std::optional<Interval> interval = MedianDifferenceInterval(six, std::vector<double>(6, 0));
  ASSERT_TRUE(interval.has_value());
  EXPECT_DOUBLE_EQ(interval->low, -1);
  EXPECT_DOUBLE_EQ(interval->high, 7);
  EXPECT_FALSE(MedianDifferenceInterval({3, -1, 7, 2, 5}, std::vector<double>(5, 0)).has_value());
  EXPECT_FALSE(MedianDifferenceInterval({}, {}).has_value());
}

TEST(MedianDifferenceIntervalTest, ContainsTheMedianAndNarrowsWithAgreement) {
  const std::vector<double> noisy = {-400, 900, 120, -50, 700, 30, 260, -300, 500, 80, 10, 40};
  const std::vector<double> zeros(noisy.size(), 0);
  std::optional<Interval> wide = MedianDifferenceInterval(noisy, zeros);
  ASSERT_TRUE(wide.has_value());
  const double median = MedianDifference(noisy, zeros);
  EXPECT_LE(wide->low, median);
  EXPECT_GE(wide->high, median);
  // Every repetition agreeing on +5 leaves no doubt about the median.
  std::optional<Interval> tight = MedianDifferenceInterval(std::vector<double>(12, 105),
                                                           std::vector<double>(12, 100));
  ASSERT_TRUE(tight.has_value());
  EXPECT_DOUBLE_EQ(tight->low, 5);
  EXPECT_DOUBLE_EQ(tight->high, 5);
}

TEST(MedianRatioTest, SkipsZeroDenominators) {
  EXPECT_DOUBLE_EQ(MedianRatio({10, 30, 5}, {10, 10, 0}), 2);  // ratios 1, 3 -> 2
  EXPECT_DOUBLE_EQ(MedianRatio({}, {}), 0);
}

}  // namespace
}  // namespace meshup::bench
