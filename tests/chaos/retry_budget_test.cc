// Scenario 6: every replica fails every call with UNAVAILABLE. The route
// allows four retries, but retries stay within the retry budget (20% of the
// calls plus 10 per second, over a 10 s window: see
// runtime/src/upstream/retry_budget.h), counted server-side: each call
// carries a unique key that every attempt writes to its replica's ledger.
// And a caller's deadline holds across attempts: a call whose attempts each
// take 150 ms, with a 400 ms deadline, ends by its deadline after retrying.
#include <algorithm>
#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "chaos_cluster.h"
#include "gtest/gtest.h"
#include "scenario.h"

namespace meshup::chaos {
namespace {

using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;

// The budget's policy (RetryBudgetPolicy's defaults).
constexpr double kRetryRatio = 0.2;
constexpr double kMinRetriesPerSecond = 10;
constexpr double kWindowSeconds = 10;

TEST(ChaosTest, Scenario6RetryBudgetAndDeadlinesAgainstAFailingBackend) {
  ScenarioReport report("6-retry-budget", "All replicas fail 100% with UNAVAILABLE");
  RowOnExit row(report);
  ClusterOptions options;
  options.server_flags = {"--fail_code=14"};  // UNAVAILABLE
  ChaosCluster cluster("budget", options);
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.WriteClientConfig(
      "routes.yaml", Routes("    retries: {attempts: 4, retryOn: unavailable}\n")));
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints(/*echo_each=*/false));
  Everything::Client& client = cluster.client();

  // The deadline first, while the budget is untouched: each attempt holds
  // 150 ms then fails; the caller allows 400 ms.
  const absl::Duration timeout = absl::Milliseconds(400);
  absl::Duration worst = absl::ZeroDuration();
  int retried = 0, as_expected = 0;
  constexpr int kDeadlineCalls = 10;
  for (int i = 0; i < kDeadlineCalls; ++i) {
    CountRequest request;
    request.set_key(absl::StrCat("deadline-", i));
    request.set_hold_ms(150);
    CallOptions call_options;
    call_options.timeout = timeout;
    const absl::Time start = absl::Now();
    absl::StatusOr<CountReply> reply = client.Count(request, call_options);
    const absl::Duration took = absl::Now() - start;
    worst = std::max(worst, took);
    EXPECT_TRUE(reply.status().code() == absl::StatusCode::kDeadlineExceeded ||
                reply.status().code() == absl::StatusCode::kUnavailable)
        << reply.status();
    EXPECT_LT(took, timeout + absl::Milliseconds(500)) << "the deadline did not hold";
    as_expected += (reply.status().code() == absl::StatusCode::kDeadlineExceeded ||
                    reply.status().code() == absl::StatusCode::kUnavailable) &&
                   took < timeout + absl::Milliseconds(500);
    retried += cluster.LedgerCounts()["Count " + request.key()] >= 2;
  }
  EXPECT_EQ(retried, kDeadlineCalls) << "calls were not retried within their deadline";
  report.AddCalls(as_expected, kDeadlineCalls - as_expected);
  report.Note(absl::StrCat(kDeadlineCalls, " calls with a 400 ms deadline over 150 ms failing "
                           "attempts: ", retried, " retried, all ended by ",
                           Rounded(worst),
                           " (DEADLINE_EXCEEDED/UNAVAILABLE)"));

  // The budget: 500 calls/s for 5 s.
  std::atomic<int64_t> next_key{0};
  const absl::Time load_start = absl::Now();
  BackgroundLoad load("Count 500/s, all failing (UNAVAILABLE expected)", {500, absl::Seconds(5)},
                      [&](BackgroundLoad::Report report) {
                        CountRequest request;
                        request.set_key(absl::StrCat("load-", next_key.fetch_add(1)));
                        client.CountAsync(request, [report](absl::StatusOr<CountReply> reply) {
                          report(reply.status().code() == absl::StatusCode::kUnavailable
                                     ? absl::OkStatus()
                                     : reply.status());
                        });
                      });
  ASSERT_TRUE(load.Wait().ok()) << load.Wait();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - load_start);
  report.AddLoad(load);
  EXPECT_EQ(load.failed(), 0u) << "calls that did not end UNAVAILABLE: " << load.Failures();

  int64_t attempts = 0;
  for (const auto& [line, count] : cluster.LedgerCounts()) {
    if (line.rfind("Count load-", 0) == 0) attempts += count;
  }
  const int64_t calls = static_cast<int64_t>(load.sent());
  const int64_t retries = attempts - calls;
  // The deadline calls' retries count against the same budget, so they
  // only make this bound stricter.
  const double allowed = kRetryRatio * (calls + kDeadlineCalls) +
                         kMinRetriesPerSecond * std::max(kWindowSeconds, seconds + 1);
  EXPECT_LE(retries, allowed) << attempts << " attempts for " << calls << " calls";
  EXPECT_GT(retries, 0) << "no retries at all: the budget was not exercised";
  report.Note(absl::StrCat("server-side: ", attempts, " attempts for ", calls, " calls = ", retries,
                           " retries (", absl::StrFormat("%.1f", 100.0 * retries / calls),
                           "%); budget allows <= ", static_cast<int64_t>(allowed),
                           " (20% + 10/s over the 10 s window); without it the route's 4 "
                           "retries would allow ", 4 * calls));
}

}  // namespace
}  // namespace meshup::chaos
