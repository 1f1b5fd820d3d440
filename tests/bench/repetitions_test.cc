#include "side_by_side/repetitions.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::bench {
namespace {

using ::testing::ElementsAre;

TEST(RotatedOrderTest, EachRepetitionStartsOneArmLater) {
  EXPECT_THAT(RotatedOrder(1, 4), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(RotatedOrder(2, 4), ElementsAre(1, 2, 3, 0));
  EXPECT_THAT(RotatedOrder(4, 4), ElementsAre(3, 0, 1, 2));
  EXPECT_THAT(RotatedOrder(5, 4), ElementsAre(0, 1, 2, 3));
  EXPECT_TRUE(RotatedOrder(1, 0).empty());
}

TEST(RotatedOrderTest, AsManyRepetitionsAsArmsPutEachArmInEachPlaceOnce) {
  const size_t arms = 5;
  for (size_t place = 0; place < arms; ++place) {
    std::set<size_t> seen;
    for (int rep = 1; rep <= static_cast<int>(arms); ++rep) seen.insert(RotatedOrder(rep, arms)[place]);
    EXPECT_EQ(seen.size(), arms) << "place " << place;
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
