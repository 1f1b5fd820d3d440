// Scenario 7: handlers that sleep past their callers' deadlines, and callers
// that cancel streams. Unary calls (Count holding 5 s, 100 ms deadline) end
// DEADLINE_EXCEEDED on time; server-streaming (Range) and bidi (Chat) calls
// cancelled mid-stream end CANCELLED at once. Afterwards nothing leaks: every
// replica's handlers in flight are back to 0, the client's /clusters shows
// no call in flight, and the replicas' memory stayed bounded.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "chaos_cluster.h"
#include "gtest/gtest.h"
#include "scenario.h"

namespace meshup::chaos {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;

constexpr absl::Duration kTimeout = absl::Milliseconds(100);
// How late a deadline may fire on a loaded CI machine.
constexpr absl::Duration kLateness = absl::Milliseconds(900);
// How much a replica's memory may grow between a warm-up and the end.
constexpr int64_t kRssGrowthKib = 32 * 1024;

// Keeps the worst of several durations.
class Worst {
 public:
  void Add(absl::Duration d) {
    int64_t nanos = absl::ToInt64Nanoseconds(d);
    int64_t seen = worst_.load();
    while (nanos > seen && !worst_.compare_exchange_weak(seen, nanos)) {
    }
  }
  absl::Duration get() const { return absl::Nanoseconds(worst_.load()); }

 private:
  std::atomic<int64_t> worst_{0};
};

// Unary calls that outlive their deadline: expected DEADLINE_EXCEEDED on time.
std::function<void(BackgroundLoad::Report)> SlowCalls(Everything::Client& client, Worst& worst) {
  return [&client, &worst](BackgroundLoad::Report report) {
    CountRequest request;
    request.set_hold_ms(5000);
    CallOptions options;
    options.timeout = kTimeout;
    const absl::Time start = absl::Now();
    client.CountAsync(
        request,
        [report, start, &worst](absl::StatusOr<CountReply> reply) {
          const absl::Duration took = absl::Now() - start;
          worst.Add(took);
          if (reply.status().code() != absl::StatusCode::kDeadlineExceeded) {
            return report(absl::InternalError(absl::StrCat("not DEADLINE_EXCEEDED: ",
                                                           reply.status().ToString())));
          }
          if (took > kTimeout + kLateness) {
            return report(absl::DeadlineExceededError(
                absl::StrCat("late: ", absl::FormatDuration(took))));
          }
          report(absl::OkStatus());
        },
        options);
  };
}

// Streams cancelled mid-way from `threads` threads until `stop`; counts them.
class CancellingStreams {
 public:
  CancellingStreams(Everything::Client& client, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, &client, t] {
        for (int i = 0; !stop_; ++i) Once(client, (t + i) % 2 == 0);
      });
    }
  }
  ~CancellingStreams() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int ok() const { return ok_.load(); }
  int bad() const { return bad_.load(); }
  absl::Duration worst_cancel() const { return worst_.get(); }
  const std::string& first_bad() const { return first_bad_; }

 private:
  void Once(Everything::Client& client, bool range) {
    absl::Status status;
    absl::Time cancelled;
    if (range) {
      CountRequest request;
      request.set_count(100000);
      request.set_hold_ms(5);
      auto reader = client.Range(request);
      Echo echo;
      for (int i = 0; i < 3 && reader->Read(&echo); ++i) {
      }
      cancelled = absl::Now();
      reader->Cancel();
      while (reader->Read(&echo)) {
      }
      status = reader->Finish();
    } else {
      auto stream = client.Chat();
      Echo echo;
      echo.set_text("hello");
      stream->Write(echo);
      stream->Read(&echo);
      cancelled = absl::Now();
      stream->Cancel();
      while (stream->Read(&echo)) {
      }
      status = stream->Finish();
    }
    const absl::Duration took = absl::Now() - cancelled;
    worst_.Add(took);
    if (status.code() == absl::StatusCode::kCancelled && took < kLateness) {
      ++ok_;
    } else if (bad_++ == 0) {
      first_bad_ = absl::StrCat(status.ToString(), " after ", absl::FormatDuration(took));
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, bad_{0};
  Worst worst_;
  std::string first_bad_;  // written by the first bad one only
  std::vector<std::thread> threads_;
};

TEST(ChaosTest, Scenario7DeadlinesAndCancellationsLeakNothing) {
  ScenarioReport report("7-deadlines-cancels", "Handlers sleeping past deadlines, callers cancelling");
  RowOnExit row(report);
  ChaosCluster cluster("deadlines");
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  Everything::Client& client = cluster.client();

  // A warm-up of the same mix, so that the memory measured next includes
  // the pools that load makes.
  {
    Worst worst;
    CancellingStreams streams(client, 2);
    BackgroundLoad warmup("warm-up", {500, absl::Seconds(2)}, SlowCalls(client, worst));
    ASSERT_TRUE(warmup.Wait().ok());
  }
  std::vector<int64_t> rss_before;
  for (int i = 0; i < ChaosCluster::kReplicas; ++i) {
    absl::StatusOr<int64_t> rss = cluster.RssKib(i);
    ASSERT_TRUE(rss.ok()) << rss.status();
    rss_before.push_back(*rss);
  }

  Worst worst;
  CancellingStreams streams(client, 2);
  BackgroundLoad slow("Count holding 5 s, 100 ms deadline, 500/s (DEADLINE_EXCEEDED expected)",
                      {500, absl::Seconds(8)}, SlowCalls(client, worst));
  ASSERT_TRUE(slow.Wait().ok()) << slow.Wait();
  streams.Stop();
  report.AddLoad(slow);
  report.AddCalls(streams.ok(), streams.bad());
  EXPECT_EQ(slow.failed(), 0u) << slow.Failures();
  EXPECT_EQ(streams.bad(), 0) << streams.first_bad();
  EXPECT_GT(streams.ok(), 10);

  // Nothing in flight anywhere, within a bound.
  std::vector<ServerStats> stats(ChaosCluster::kReplicas);
  nlohmann::json view;
  int client_in_flight = -1;
  const absl::Time settle_start = absl::Now();
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
    bool idle = true;
    for (int i = 0; i < ChaosCluster::kReplicas; ++i) {
      absl::StatusOr<ServerStats> now = cluster.Stats(i);
      ASSERT_TRUE(now.ok()) << now.status();
      stats[i] = *now;
      idle = idle && now->in_flight == 0;
    }
    absl::StatusOr<nlohmann::json> cluster_view = cluster.ClientCluster();
    ASSERT_TRUE(cluster_view.ok());
    view = *cluster_view;
    client_in_flight = view["in_flight"].get<int>();
    for (const auto& endpoint : view["endpoints"]) {
      client_in_flight += endpoint["in_flight"].get<int>();
    }
    if (idle && client_in_flight == 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  const absl::Duration settled = absl::Now() - settle_start;
  int64_t handled = 0, worst_growth = 0;
  for (int i = 0; i < ChaosCluster::kReplicas; ++i) {
    EXPECT_EQ(stats[i].in_flight, 0) << "replica " << i << " still runs handlers";
    handled += stats[i].handled;
    absl::StatusOr<int64_t> rss = cluster.RssKib(i);
    ASSERT_TRUE(rss.ok());
    worst_growth = std::max(worst_growth, *rss - rss_before[i]);
    EXPECT_LE(*rss - rss_before[i], kRssGrowthKib) << "replica " << i << " grew";
  }
  EXPECT_EQ(client_in_flight, 0) << view.dump();
  report.Note(absl::StrCat(
      "every unary call DEADLINE_EXCEEDED, the latest after ",
      Rounded(worst.get()), " (deadline 100 ms); ",
      streams.ok(), " Range/Chat streams cancelled mid-way, all CANCELLED, the slowest within ",
      Rounded(streams.worst_cancel()),
      "; after the load: handlers in flight 0 on all replicas (", handled,
      " handled) and client in_flight 0 within ",
      Rounded(settled),
      "; replica RSS growth after the warm-up at most ", worst_growth, " KiB (bound ",
      kRssGrowthKib / 1024, " MiB)"));
}

}  // namespace
}  // namespace meshup::chaos
