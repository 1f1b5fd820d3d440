#include "telemetry/metrics.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "telemetry/async_batcher.h"
#include "util/sync.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

RequestLabels Labels() {
  RequestLabels labels;
  labels.reporter = RequestLabels::Reporter::kDestination;
  labels.source = {"productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/pp",
                   "productpage", "v1"};
  labels.destination = {"reviews-v2", "default", "", "reviews", "v2"};
  labels.destination_service = "reviews.default.svc.cluster.local";
  labels.destination_service_name = "reviews";
  labels.destination_service_namespace = "default";
  labels.mutual_tls = true;
  return labels;
}

TEST(MetricsTest, EqualLabelsShareASeriesSet) {
  MetricsRegistry registry;
  SeriesSet* first = registry.Find(Labels());
  EXPECT_EQ(registry.Find(Labels()), first);
  RequestLabels other = Labels();
  other.destination.version = "v3";
  EXPECT_NE(registry.Find(other), first);
}

TEST(MetricsTest, ExposesCountsHistogramsAndUnknownForEmptyLabels) {
  MetricsRegistry registry;
  SeriesSet* set = registry.Find(Labels());
  set->Record(0, false, absl::Milliseconds(3), 10, 2000);
  set->Record(0, false, absl::Milliseconds(30), 10, 2000);
  set->Record(14, true, absl::Milliseconds(1), 10, 0);
  const std::string text = registry.PrometheusText();
  EXPECT_THAT(text, HasSubstr("# TYPE istio_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("destination_principal=\"unknown\""));
  EXPECT_THAT(text, HasSubstr("response_code=\"200\",grpc_response_status=\"0\","
                              "response_flags=\"-\",connection_security_policy=\"mutual_tls\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("response_code=\"503\",grpc_response_status=\"14\""));
  // 3 ms and 30 ms: one in le=5, both in le=50.
  EXPECT_THAT(text, HasSubstr("grpc_response_status=\"0\",response_flags=\"-\","
                              "connection_security_policy=\"mutual_tls\",le=\"5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_response_status=\"0\",response_flags=\"-\","
                              "connection_security_policy=\"mutual_tls\",le=\"50\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("istio_request_duration_milliseconds_sum{"));
  EXPECT_THAT(text, HasSubstr("le=\"+Inf\"} 2\n"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  RequestLabels labels = Labels();
  labels.source.app = "a\"b\\c\nd";
  registry.Find(labels)->Record(0, false, absl::Milliseconds(1), 0, 0);
  EXPECT_THAT(registry.PrometheusText(), HasSubstr("source_app=\"a\\\"b\\\\c\\nd\""));
}

TEST(MetricsTest, ConcurrentRecordsAreAllCounted) {
  MetricsRegistry registry;
  SeriesSet* set = registry.Find(Labels());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([set] {
      for (int i = 0; i < 10000; ++i) set->Record(0, false, absl::Microseconds(100), 1, 1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(registry.PrometheusText(),
              HasSubstr("connection_security_policy=\"mutual_tls\"} 40000\n"));
  EXPECT_THAT(registry.StatsJson(), HasSubstr("\"requests\":40000"));
}

TEST(ResponseCodeTest, FollowsEnvoyForAnswersOfTheMesh) {
  EXPECT_EQ(ResponseCodeFor(14, false), 200);  // the server's own UNAVAILABLE
  EXPECT_EQ(ResponseCodeFor(14, true), 503);
  EXPECT_EQ(ResponseCodeFor(4, true), 504);
  EXPECT_EQ(ResponseCodeFor(7, true), 403);
  EXPECT_EQ(ResponseCodeFor(8, true), 429);
}

// Found by admin_request_fuzzer: WorkloadEntry labels are not checked, and
// a version label that is not UTF-8 made /stats/json throw.
TEST(MetricsRegistryTest, StatsJsonTakesLabelsThatAreNotUtf8) {
  MetricsRegistry registry;
  RequestLabels labels;
  labels.destination.app = "reviews";
  labels.destination.version = "v\xc3(";
  registry.Find(labels)->Record(0, false, absl::Milliseconds(1), 1, 1);
  std::string json;
  ASSERT_NO_THROW(json = registry.StatsJson());
  EXPECT_THAT(json, HasSubstr("\"app\":\"reviews\""));
}

TEST(AsyncBatcherTest, DeliversEveryLineInOrderAndFlushWaits) {
  std::vector<std::string> seen;
  std::mutex mu;
  AsyncBatcher batcher(
      [&](const std::vector<std::string>& lines) {
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(seen.end(), lines.begin(), lines.end());
        return absl::OkStatus();
      },
      /*max_queued=*/10000, /*max_batch=*/7);
  for (int i = 0; i < 100; ++i) batcher.Add(std::to_string(i));
  batcher.Flush();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], std::to_string(i));
}

TEST(AsyncBatcherTest, DropsAndCountsWhenFullInsteadOfBlocking) {
  Notification release;
  AsyncBatcher batcher(
      [&](const std::vector<std::string>&) {
        release.WaitForNotification();
        return absl::UnavailableError("collector down");
      },
      /*max_queued=*/5, /*max_batch=*/1, absl::Milliseconds(1));
  for (int i = 0; i < 100; ++i) batcher.Add("line");
  EXPECT_GE(batcher.dropped(), 90);
  release.Notify();
  batcher.Flush();
  EXPECT_GE(batcher.failed_batches(), 1);
}

TEST(MetricsTest, FaultsHaveTheirResponseCodeAndFlags) {
  MetricsRegistry registry;
  SeriesSet* set = registry.Find(Labels());
  set->Record(Outcome{2, true, 500, kFaultAbortInjected | kFaultDelayInjected},
              absl::Milliseconds(1), 0, 0);
  set->Record(Outcome{0, false, 0, kFaultDelayInjected}, absl::Milliseconds(1), 0, 0);
  const std::string text = registry.PrometheusText();
  EXPECT_THAT(text,
              HasSubstr("response_code=\"500\",grpc_response_status=\"2\","
                        "response_flags=\"DI,FI\",connection_security_policy=\"mutual_tls\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("response_code=\"200\",grpc_response_status=\"0\","
                        "response_flags=\"DI\",connection_security_policy=\"mutual_tls\"} 1\n"));
  EXPECT_EQ(ResponseFlagsText(0), "-");
  EXPECT_EQ(ResponseFlagsText(kFaultAbortInjected), "FI");
}

TEST(MetricsTest, PastTheCapCallsFoldIntoTheOverflowSeries) {
  MetricsRegistry registry(/*max_series=*/3);
  for (int i = 0; i < 10; ++i) {
    RequestLabels labels = Labels();
    labels.source.workload = "caller-" + std::to_string(i);
    registry.Find(labels)->Record(0, false, absl::Milliseconds(1), 1, 1);
  }
  // Three outcomes of one set: the third and fourth go over the cap too.
  RequestLabels labels = Labels();
  labels.source.workload = "caller-0";
  registry.Find(labels)->Record(13, false, absl::Milliseconds(1), 1, 1);
  const std::string text = registry.PrometheusText();
  int series = 0;
  for (size_t at = text.find("\nistio_requests_total{"); at != std::string::npos;
       at = text.find("\nistio_requests_total{", at + 1)) {
    ++series;
  }
  EXPECT_EQ(series, 3 + 2) << text;  // the cap, and the overflow series of two outcomes
  EXPECT_THAT(text, HasSubstr("istio_requests_total{reporter=\"destination\","
                              "source_workload=\"overflow\""));
  EXPECT_THAT(text, HasSubstr("connection_security_policy=\"overflow\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("\nmeshup_metric_series_overflow_total 8\n"));
  EXPECT_EQ(registry.overflowed(), 8);
  EXPECT_THAT(registry.StatsJson(), HasSubstr("\"app\":\"overflow\""));
}

}  // namespace
}  // namespace meshup::internal
