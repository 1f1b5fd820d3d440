#include "upstream/retry_budget.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

RetryBudgetPolicy Policy(double retry_ratio, int min_retries_per_second) {
  RetryBudgetPolicy policy;
  policy.retry_ratio = retry_ratio;
  policy.min_retries_per_second = min_retries_per_second;
  policy.window = absl::Seconds(10);
  return policy;
}

void RecordCalls(RetryBudget& budget, int calls) {
  for (int i = 0; i < calls; ++i) budget.RecordCall();
}

// How many retries the budget allows now, counting them.
int RetriesAllowed(RetryBudget& budget) {
  int retries = 0;
  while (budget.TryRetry()) {
    if (++retries > 100000) break;
  }
  return retries;
}

TEST(RetryBudgetTest, MinimumAllowsRetriesWithoutTraffic) {
  FakeClock clock;
  RetryBudget budget(Policy(0.2, 1), clock);
  EXPECT_EQ(RetriesAllowed(budget), 10);  // 1 per second over a 10 s window
}

TEST(RetryBudgetTest, DefaultPolicyAllowsTenPerSecond) {
  FakeClock clock;
  RetryBudget budget(RetryBudgetPolicy{}, clock);
  EXPECT_EQ(RetriesAllowed(budget), 100);
}

TEST(RetryBudgetTest, RatioCapsRetriesUnderLoad) {
  FakeClock clock;
  RetryBudget budget(Policy(0.2, 0), clock);
  RecordCalls(budget, 1000);
  EXPECT_EQ(RetriesAllowed(budget), 200);
  RecordCalls(budget, 10);
  EXPECT_EQ(RetriesAllowed(budget), 2);
}

TEST(RetryBudgetTest, RatioAndMinimumAddUp) {
  FakeClock clock;
  RetryBudget budget(Policy(0.2, 1), clock);
  RecordCalls(budget, 100);
  EXPECT_EQ(RetriesAllowed(budget), 30);
}

TEST(RetryBudgetTest, NoRatioNoMinimumNoRetries) {
  FakeClock clock;
  RetryBudget budget(Policy(0, 0), clock);
  RecordCalls(budget, 100);
  EXPECT_FALSE(budget.TryRetry());
}

TEST(RetryBudgetTest, WindowSlides) {
  FakeClock clock;
  RetryBudget budget(Policy(0.5, 0), clock);
  RecordCalls(budget, 100);
  clock.Advance(absl::Seconds(5));
  RecordCalls(budget, 100);
  EXPECT_EQ(RetriesAllowed(budget), 100);  // half of 200 calls
  // 9.999 s after the first calls they are still in the window.
  clock.Advance(absl::Milliseconds(4999));
  EXPECT_FALSE(budget.TryRetry());
  // At 10 s the first 100 calls leave it; the 100 retries (made at 5 s) have
  // used more than the 50 the rest allow.
  clock.Advance(absl::Milliseconds(1));
  RecordCalls(budget, 100);
  EXPECT_FALSE(budget.TryRetry());
  // At 15 s what happened at 5 s has left too: the 100 calls made at 10 s
  // allow 50 retries.
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(RetriesAllowed(budget), 50);
  // Long after, nothing is left.
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(budget.TryRetry());
  RecordCalls(budget, 10);
  EXPECT_EQ(RetriesAllowed(budget), 5);
}

TEST(RetryBudgetTest, CountsCallsFromManyThreads) {
  FakeClock clock;
  RetryBudget budget(Policy(0.1, 0), clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&budget] { RecordCalls(budget, 2500); });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(RetriesAllowed(budget), 1000);
}

}  // namespace
}  // namespace meshup::internal
