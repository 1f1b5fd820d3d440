// Scenario 1: SIGKILL one of three replicas under load. Idempotent calls
// (Echo, retried on UNAVAILABLE by the route) keep succeeding (>= 99.9%);
// the dead replica is ejected by outlier detection at the configured number
// of consecutive failures and picked no more; and a non-idempotent method
// (CountOnce) under the same fault never runs twice: each call carries a
// unique key, which every replica writes to its ledger before answering.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

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

constexpr int kConsecutiveErrors = 3;
// Attempts already in flight on the replica when it dies fail too, on top of
// the threshold; at this load a handful at most.
constexpr int kInFlightAtKill = 16;

TEST(ChaosTest, Scenario1SigkillOneReplica) {
  ScenarioReport report("1-sigkill", "SIGKILL one of 3 replicas");
  RowOnExit row(report);
  ChaosCluster cluster("sigkill");
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.WriteClientConfig(
      "rule.yaml", Rule(absl::StrCat("    outlierDetection: {consecutive5xxErrors: ",
                                     kConsecutiveErrors,
                                     ", baseEjectionTime: 60s, maxEjectionPercent: 50}\n"))));
  CHAOS_ASSERT_OK(cluster.WriteClientConfig(
      "routes.yaml", Routes("    retries: {attempts: 2, retryOn: unavailable}\n")));
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  Everything::Client& client = cluster.client();

  BackgroundLoad echo("Echo (idempotent) 500/s", {500, absl::Seconds(7)},
                      [&](BackgroundLoad::Report report) {
                        client.EchoAsync(Echo(), [report](absl::StatusOr<Echo> reply) {
                          report(reply.status());
                        });
                      });
  std::atomic<int64_t> next_key{0};
  std::mutex mu;
  std::set<std::string> succeeded_keys;  // guarded by mu
  BackgroundLoad once("CountOnce (not idempotent, 50 ms) 100/s", {100, absl::Seconds(7)},
                      [&](BackgroundLoad::Report report) {
                        CountRequest request;
                        request.set_key(absl::StrCat("once-", next_key.fetch_add(1)));
                        // Held 50 ms, so that some are in flight on the
                        // replica when it dies: sent, so never retried.
                        request.set_hold_ms(50);
                        client.CountOnceAsync(
                            request, [&, report, key = request.key()](absl::StatusOr<CountReply> reply) {
                              if (reply.ok()) {
                                std::lock_guard<std::mutex> lock(mu);
                                succeeded_keys.insert(key);
                              }
                              report(reply.status());
                            });
                      });
  ASSERT_TRUE(echo.WaitForCompleted(1000, absl::Seconds(20)));

  const std::string dead = cluster.replica(0).address();
  ASSERT_TRUE(cluster.StopReplica(0, SIGKILL).ok());
  const absl::Time killed = absl::Now();
  // Ejected: /clusters shows it unhealthy.
  nlohmann::json at_ejection;
  while (absl::Now() < killed + absl::Seconds(10)) {
    absl::StatusOr<nlohmann::json> view = cluster.ClientCluster();
    ASSERT_TRUE(view.ok()) << view.status();
    at_ejection = ChaosCluster::EndpointOf(*view, dead);
    if (!at_ejection.is_null() && !at_ejection["healthy"].get<bool>()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Duration to_ejection = absl::Now() - killed;
  ASSERT_FALSE(at_ejection.is_null());
  ASSERT_FALSE(at_ejection["healthy"].get<bool>()) << "not ejected 10 s after the kill";
  // Attempts in flight at the ejection end within this.
  absl::SleepFor(absl::Milliseconds(500));
  absl::StatusOr<nlohmann::json> after_ejection = cluster.ClientCluster();
  ASSERT_TRUE(after_ejection.ok());
  const nlohmann::json settled = ChaosCluster::EndpointOf(*after_ejection, dead);

  ASSERT_TRUE(echo.Wait().ok()) << echo.Wait();
  ASSERT_TRUE(once.Wait().ok()) << once.Wait();
  absl::StatusOr<nlohmann::json> final_view = cluster.ClientCluster();
  ASSERT_TRUE(final_view.ok());
  const nlohmann::json last = ChaosCluster::EndpointOf(*final_view, dead);
  report.AddLoad(echo);
  report.AddLoad(once);

  // Idempotent calls: >= 99.9%.
  EXPECT_GE(echo.succeeded() * 1000, echo.sent() * 999) << echo.Failures();
  // Ejected once, at the threshold (plus what was in flight), then never
  // picked again.
  const int64_t failed_attempts = settled["failed_attempts"].get<int64_t>();
  EXPECT_EQ(last["times_ejected"].get<int>(), 1);
  EXPECT_FALSE(last["healthy"].get<bool>());
  EXPECT_GE(failed_attempts, kConsecutiveErrors);
  EXPECT_LE(failed_attempts, kConsecutiveErrors + kInFlightAtKill);
  EXPECT_EQ(last["attempts"].get<int64_t>(), settled["attempts"].get<int64_t>())
      << "the ejected replica was still picked";
  report.Note(absl::StrCat("dead replica shown ejected on /clusters ", Rounded(to_ejection),
                           " after the kill was reaped, with ", failed_attempts,
                           " failed attempts on it (consecutive5xxErrors ", kConsecutiveErrors,
                           ", the rest in flight at the kill), then picked 0 times in ",
                           Rounded(absl::Now() - killed)));

  // The non-idempotent method ran at most once per call, and exactly once
  // per call that succeeded.
  const std::map<std::string, int> ledger = cluster.LedgerCounts();
  int twice = 0, missing = 0, ran = 0;
  for (const auto& [line, count] : ledger) {
    if (line.rfind("CountOnce ", 0) != 0) continue;
    ++ran;
    if (count > 1) ++twice;
  }
  for (const std::string& key : succeeded_keys) {
    if (ledger.count("CountOnce " + key) == 0) ++missing;
  }
  EXPECT_EQ(twice, 0) << "non-idempotent calls ran twice";
  EXPECT_EQ(missing, 0) << "succeeded calls that no replica ran";
  report.Note(absl::StrCat("CountOnce: ", ran, " keys ran server-side, ", twice,
                           " twice; ", succeeded_keys.size(), " succeeded, each ran once; ",
                           once.failed(), " failed (in flight on the dead replica: not "
                           "retried, since sent)"));
}

}  // namespace
}  // namespace meshup::chaos
