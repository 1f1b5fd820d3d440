#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loadgen/histogram.h"
#include "loadgen/load_generator.h"
#include "loadgen/report.h"

namespace meshup::bench {
namespace {

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (uint64_t v = 1; v <= 100; ++v) histogram.Record(v);
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.Percentile(50), 50u);
  EXPECT_EQ(histogram.Percentile(99), 99u);
  EXPECT_EQ(histogram.Percentile(100), 100u);
  EXPECT_DOUBLE_EQ(histogram.mean(), 50.5);
}

TEST(LatencyHistogramTest, LargeValuesAreWithinOnePercent) {
  for (uint64_t value : {129ULL, 1000ULL, 123456ULL, 987654321ULL, 1ULL << 40}) {
    const size_t bucket = LatencyHistogram::BucketOf(value);
    const uint64_t highest = LatencyHistogram::HighestValueOf(bucket);
    EXPECT_GE(highest, value);
    EXPECT_LE(static_cast<double>(highest - value), value / 128.0) << value;
    EXPECT_EQ(LatencyHistogram::BucketOf(highest), bucket);
    EXPECT_EQ(LatencyHistogram::BucketOf(highest + 1), bucket + 1);
  }
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpread) {
  LatencyHistogram histogram;
  for (uint64_t us = 1; us <= 10000; ++us) histogram.Record(us * 1000);
  EXPECT_NEAR(histogram.Percentile(50), 5000000, 5000000 / 100);
  EXPECT_NEAR(histogram.Percentile(99), 9900000, 9900000 / 100);
  EXPECT_NEAR(histogram.Percentile(99.9), 9990000, 9990000 / 100);
  EXPECT_EQ(histogram.max(), 10000000u);
}

// A fake asynchronous service: every call ends `latency` later on a worker.
class FakeService {
 public:
  explicit FakeService(absl::Duration latency) : latency_(latency) {
    worker_ = std::thread([this] { Serve(); });
  }
  ~FakeService() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    worker_.join();
  }
  void Call(Done done, bool ok = true) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({absl::Now() + latency_, done, ok});
  }
  int max_pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_pending_;
  }

 private:
  struct Pending {
    absl::Time due;
    Done done;
    bool ok;
  };
  void Serve() {
    while (true) {
      std::vector<Pending> due;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_ && pending_.empty()) return;
        max_pending_ = std::max<int>(max_pending_, pending_.size());
        const absl::Time now = absl::Now();
        for (auto it = pending_.begin(); it != pending_.end();) {
          if (it->due <= now) {
            due.push_back(*it);
            it = pending_.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (const Pending& p : due) p.done(p.ok);
      absl::SleepFor(absl::Microseconds(100));
    }
  }
  const absl::Duration latency_;
  std::mutex mu_;
  std::vector<Pending> pending_;  // guarded by mu_
  int max_pending_ = 0;           // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  std::thread worker_;
};

TEST(RunLoadTest, ClosedLoopKeepsConcurrencyInFlight) {
  FakeService service(absl::Milliseconds(2));
  LoadOptions options;
  options.concurrency = 4;
  options.warmup = absl::Milliseconds(50);
  options.duration = absl::Milliseconds(300);
  std::atomic<int> hooks{0};
  options.on_measure_start = [&] { hooks.fetch_add(1); };
  options.on_measure_end = [&] { hooks.fetch_add(10); };
  absl::StatusOr<LoadResult> result =
      RunLoad(options, [&](Done done) { service.Call(done); });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(hooks.load(), 11);
  EXPECT_FALSE(result->open_loop);
  EXPECT_EQ(result->failed, 0u);
  EXPECT_EQ(service.max_pending(), 4);
  // 4 in flight, ~2.1 ms each: roughly 1,900 calls per second.
  EXPECT_GT(result->throughput, 800);
  EXPECT_LT(result->throughput, 2100);
  EXPECT_GE(result->latency.p50, 2000);
}

TEST(RunLoadTest, OpenLoopHoldsTheRateAndCountsFailures) {
  FakeService service(absl::Milliseconds(1));
  LoadOptions options;
  options.rate = 2000;
  options.warmup = absl::Milliseconds(50);
  options.duration = absl::Milliseconds(500);
  std::atomic<int> calls{0};
  absl::StatusOr<LoadResult> result = RunLoad(options, [&](Done done) {
    service.Call(done, /*ok=*/calls.fetch_add(1) % 10 != 0);
  });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->open_loop);
  const uint64_t total = result->succeeded + result->failed;
  EXPECT_NEAR(static_cast<double>(total), 1000, 20);
  EXPECT_NEAR(static_cast<double>(result->failed), total / 10.0, 5);
  EXPECT_GE(result->latency.p50, 1000);
}

TEST(RunLoadTest, OpenLoopCountsAStallAgainstEveryCallItDelays) {
  // The service stalls 200 ms once; calls meant to start meanwhile wait,
  // and their latency counts from when they were meant to start.
  std::atomic<bool> stalled{false};
  FakeService service(absl::Microseconds(200));
  LoadOptions options;
  options.rate = 1000;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(600);
  absl::StatusOr<LoadResult> result = RunLoad(options, [&](Done done) {
    if (!stalled.exchange(true)) absl::SleepFor(absl::Milliseconds(200));
    service.Call(done);
  });
  ASSERT_TRUE(result.ok()) << result.status();
  // About a third of the calls were delayed by up to 200 ms: p90 shows it.
  EXPECT_GT(result->latency.p90, 20000);
}

TEST(RunLoadTest, CallsThatEndInsideIssueDoNotRecurse) {
  LoadOptions options;
  options.concurrency = 2;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(100);
  absl::StatusOr<LoadResult> result = RunLoad(options, [](Done done) { done(true); });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->succeeded, 1000u);
}

TEST(RunLoadTest, RunsOneAfterAnotherMergeTheirLatenciesWhereAsked) {
  FakeService service(absl::Milliseconds(1));
  LatencyHistogram total;
  LoadOptions options;
  options.rate = 1000;
  options.warmup = absl::Milliseconds(20);
  options.duration = absl::Milliseconds(100);
  options.also_record = &total;
  uint64_t succeeded = 0;
  for (int run = 0; run < 2; ++run) {
    absl::StatusOr<LoadResult> result =
        RunLoad(options, [&](Done done) { service.Call(done); });
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->succeeded, 50u);
    succeeded += result->succeeded;
    EXPECT_EQ(total.count(), succeeded) << "after run " << run;
  }
  const LatencySummary merged = SummarizeLatency(total);
  EXPECT_GE(merged.p50, 1000);  // µs: every call took at least 1 ms
  EXPECT_GE(merged.max, merged.p99);
}

TEST(RunLoadTest, RejectsBadOptions) {
  LoadOptions options;
  options.concurrency = 0;
  EXPECT_FALSE(RunLoad(options, [](Done done) { done(true); }).ok());
}

TEST(ReportTest, JsonRoundTrip) {
  LoadResult result;
  result.open_loop = true;
  result.target_rate = 100;
  result.window = absl::Seconds(2);
  result.succeeded = 200;
  result.throughput = 100;
  result.latency.p50 = 12.5;
  absl::StatusOr<LoadResult> back = LoadResultFromJson(ToJson(result));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->open_loop);
  EXPECT_EQ(back->succeeded, 200u);
  EXPECT_DOUBLE_EQ(back->latency.p50, 12.5);
  EXPECT_THAT(MarkdownRow(result), ::testing::HasSubstr("open @ 100/s"));
  EXPECT_FALSE(LatencySummaryFromJson(nlohmann::json{{"p50", 1}}).ok());
}

// A driver merges the windows of load generators it restarted from their
// JSON: the merged percentiles are those of one histogram that saw them all.
TEST(ReportTest, HistogramsMergeFromJsonAsIfRecordedInOne) {
  LatencyHistogram first, second, both;
  for (uint64_t us = 1; us <= 1000; ++us) {
    first.Record(us * 1000);
    both.Record(us * 1000);
  }
  for (uint64_t ms = 1; ms <= 50; ++ms) {
    second.Record(ms * 1000000 + 7);
    both.Record(ms * 1000000 + 7);
  }
  LatencyHistogram merged;
  ASSERT_TRUE(MergeHistogramJson(nlohmann::json::parse(ToJson(first).dump()), merged).ok());
  ASSERT_TRUE(MergeHistogramJson(nlohmann::json::parse(ToJson(second).dump()), merged).ok());
  EXPECT_EQ(merged.count(), both.count());
  EXPECT_EQ(merged.max(), both.max());
  EXPECT_DOUBLE_EQ(merged.mean(), both.mean());
  for (double percentile : {50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(merged.Percentile(percentile), both.Percentile(percentile)) << percentile;
  }
}

TEST(ReportTest, ABadHistogramIsRefusedAndAddsNothing) {
  LatencyHistogram into;
  into.Record(1000);
  absl::Status out_of_range = MergeHistogramJson(
      nlohmann::json{{"buckets", {{5, 1}, {1u << 30, 2}}}, {"sum_ns", 9}, {"max_ns", 9}}, into);
  EXPECT_EQ(out_of_range.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out_of_range.message(), ::testing::HasSubstr("bucket 1073741824 is out of range"));
  absl::Status not_pairs = MergeHistogramJson(
      nlohmann::json{{"buckets", {{5, 1, 2}}}, {"sum_ns", 9}, {"max_ns", 9}}, into);
  EXPECT_THAT(not_pairs.message(), ::testing::HasSubstr("is not [bucket, count]"));
  EXPECT_FALSE(MergeHistogramJson(nlohmann::json{{"buckets", nlohmann::json::array()}}, into).ok());
  EXPECT_EQ(into.count(), 1u);
  EXPECT_EQ(into.max(), 1000u);
}

}  // namespace
}  // namespace meshup::bench
