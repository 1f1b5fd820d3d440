// WorkerPool: grows to its bound when every thread is busy, refuses beyond
// it, shrinks back to its core after idling, and joins everything on Stop().
#include "http/worker_pool.h"

#include <atomic>
#include <functional>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "util/sync.h"

namespace meshup::internal {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST(WorkerPoolTest, GrowsToItsBoundRefusesBeyondAndShrinksBack) {
  WorkerPool pool(2, 8, absl::Milliseconds(50));
  EXPECT_EQ(pool.threads(), 2);
  Notification release;
  std::atomic<int> running{0};
  auto hold = [&] {
    ++running;
    release.WaitForNotificationWithTimeout(kWait);
  };
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(pool.Submit(hold)) << i;
  ASSERT_TRUE(WaitUntil([&] { return running.load() == 8; }, kWait)) << running.load();
  EXPECT_EQ(pool.threads(), 8);
  bool ran = false;
  EXPECT_FALSE(pool.Submit([&] { ran = true; }));  // all 8 busy: refused, not queued
  release.Notify();
  EXPECT_TRUE(WaitUntil([&] { return pool.threads() == 2; }, kWait)) << pool.threads();
  EXPECT_EQ(pool.peak_threads(), 8);
  // The core threads still run work.
  Notification done;
  ASSERT_TRUE(pool.Submit([&] { done.Notify(); }));
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  pool.Stop();
  EXPECT_FALSE(ran);
  EXPECT_FALSE(pool.Submit([] {}));
}

TEST(WorkerPoolTest, StopWaitsForRunningTasks) {
  WorkerPool pool(1, 4);
  Notification started;
  std::atomic<bool> finished{false};
  ASSERT_TRUE(pool.Submit([&] {
    started.Notify();
    absl::SleepFor(absl::Milliseconds(50));
    finished = true;
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kWait));
  pool.Stop();
  EXPECT_TRUE(finished.load());
  EXPECT_EQ(pool.threads(), 0);
}

}  // namespace
}  // namespace meshup::internal
