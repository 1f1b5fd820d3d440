#include "side_by_side/repetitions.h"

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

TEST(MedianRatioTest, SkipsZeroDenominators) {
  EXPECT_DOUBLE_EQ(MedianRatio({10, 30, 5}, {10, 10, 0}), 2);  // ratios 1, 3 -> 2
  EXPECT_DOUBLE_EQ(MedianRatio({}, {}), 0);
}

}  // namespace
}  // namespace meshup::bench
