#include "side_by_side/slices.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::bench {
namespace {

using ::testing::HasSubstr;

// A fixed-rate slice of `calls` calls, each `latency_us` long, over
// `seconds`, in which the client (pid 10) used `client_cpu` seconds and the
// server (pid 20) `server_cpu`.
ArmRun Slice(uint64_t calls, double latency_us, double seconds, double client_cpu,
             double server_cpu, int64_t server_rss_kib = 1000) {
  ArmRun run;
  run.load.open_loop = true;
  run.load.target_rate = 1000;
  run.load.window = absl::Seconds(seconds);
  run.load.succeeded = calls;
  run.load.throughput = static_cast<double>(calls) / seconds;
  auto histogram = std::make_shared<LatencyHistogram>();
  for (uint64_t i = 0; i < calls; ++i) histogram->Record(static_cast<uint64_t>(latency_us * 1000));
  run.load.latency = SummarizeLatency(*histogram);
  run.latency_histogram = std::move(histogram);
  run.processes = {{"client", 10, client_cpu, 500}, {"server #1", 20, server_cpu, server_rss_kib}};
  return run;
}

TEST(MergeSlicesTest, OneRunOfEverySlicesCallsAndCpu) {
  absl::StatusOr<ArmRun> merged = MergeSlices(
      {Slice(1500, 100, 1.5, 0.2, 0.1, 1000), Slice(500, 400, 0.5, 0.1, 0.1, 3000)});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_TRUE(merged->load.open_loop);
  EXPECT_EQ(merged->load.target_rate, 1000);
  EXPECT_EQ(merged->load.succeeded, 2000u);
  EXPECT_EQ(merged->load.window, absl::Seconds(2));
  EXPECT_DOUBLE_EQ(merged->load.throughput, 1000);
  // Three calls in four took 100 us: the median is theirs, the p90 is not.
  EXPECT_NEAR(merged->load.latency.p50, 100, 1);
  EXPECT_NEAR(merged->load.latency.p90, 400, 4);
  EXPECT_EQ(merged->latency_histogram->count(), 2000u);
  ASSERT_EQ(merged->processes.size(), 2u);
  EXPECT_DOUBLE_EQ(merged->processes[0].cpu_seconds, 0.3);
  EXPECT_DOUBLE_EQ(merged->processes[1].cpu_seconds, 0.2);
  EXPECT_EQ(merged->processes[1].peak_rss_kib, 3000);
  // 0.5 s of CPU over 2,000 calls.
  EXPECT_DOUBLE_EQ(merged->cpu_us_per_call, 250);
}

TEST(MergeSlicesTest, FailedAndSkippedCallsAreKept) {
  ArmRun first = Slice(100, 100, 1, 0.1, 0.1);
  first.load.failed = 3;
  ArmRun second = Slice(100, 100, 1, 0.1, 0.1);
  second.load.not_started = 2;
  absl::StatusOr<ArmRun> merged = MergeSlices({first, second});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->load.failed, 3u);
  EXPECT_EQ(merged->load.not_started, 2u);
  EXPECT_DOUBLE_EQ(merged->cpu_us_per_call, 0.4 * 1e6 / 203);
}

TEST(MergeSlicesTest, OneSliceIsItself) {
  const ArmRun only = Slice(300, 250, 1.5, 0.05, 0.07);
  absl::StatusOr<ArmRun> merged = MergeSlices({only});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->load.succeeded, only.load.succeeded);
  EXPECT_DOUBLE_EQ(merged->load.throughput, only.load.throughput);
  EXPECT_DOUBLE_EQ(merged->load.latency.p50, only.load.latency.p50);
  EXPECT_DOUBLE_EQ(merged->cpu_us_per_call, 0.12 * 1e6 / 300);
}

TEST(MergeSlicesTest, SlicesThatDoNotFitAreRefusedByName) {
  EXPECT_THAT(MergeSlices({}).status().message(), HasSubstr("no slice"));

  ArmRun other_process = Slice(100, 100, 1, 0.1, 0.1);
  other_process.processes[1].pid = 21;
  EXPECT_THAT(MergeSlices({Slice(100, 100, 1, 0.1, 0.1), other_process}).status().message(),
              HasSubstr("slice 2 of 2's process 2 (server #1, pid 21) is not slice 1's"));

  ArmRun other_rate = Slice(100, 100, 1, 0.1, 0.1);
  other_rate.load.target_rate = 2000;
  EXPECT_THAT(MergeSlices({Slice(100, 100, 1, 0.1, 0.1), other_rate}).status().message(),
              HasSubstr("slice 2 of 2 ran another load"));

  ArmRun no_histogram = Slice(100, 100, 1, 0.1, 0.1);
  no_histogram.latency_histogram = nullptr;
  EXPECT_THAT(MergeSlices({no_histogram}).status().message(),
              HasSubstr("slice 1 of 1 has no latency histogram"));
}

}  // namespace
}  // namespace meshup::bench
