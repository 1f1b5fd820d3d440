// Scenario 2: a rolling graceful restart of every replica under load. Each
// replica in turn gets SIGTERM (it deregisters, drains, stops), then starts
// again on a new port; the next waits until the client sees the new one.
// Not one call fails: idempotent (Echo) or not (CountOnce, which may not be
// retried once sent, so a drain that cut a call short would show).
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
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

TEST(ChaosTest, Scenario2RollingGracefulRestart) {
  ScenarioReport report("2-rolling-restart", "Rolling graceful restart (SIGTERM) of all 3 replicas");
  RowOnExit row(report);
  ClusterOptions options;
  options.drain_ms = 1000;  // the client sees a deregistration within a second
  ChaosCluster cluster("rolling", options);
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.WriteClientConfig(
      "routes.yaml", Routes("    retries: {attempts: 2, retryOn: unavailable}\n")));
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  Everything::Client& client = cluster.client();

  const absl::Duration duration = absl::Seconds(10);
  BackgroundLoad echo("Echo 500/s", {500, duration}, [&](BackgroundLoad::Report report) {
    client.EchoAsync(Echo(), [report](absl::StatusOr<Echo> reply) { report(reply.status()); });
  });
  std::atomic<int64_t> next_key{0};
  BackgroundLoad once("CountOnce (not idempotent, 50 ms) 100/s", {100, duration},
                      [&](BackgroundLoad::Report report) {
                        CountRequest request;
                        request.set_key(absl::StrCat("once-", next_key.fetch_add(1)));
                        request.set_hold_ms(50);  // in flight when a drain ends
                        client.CountOnceAsync(request, [report](absl::StatusOr<CountReply> reply) {
                          report(reply.status());
                        });
                      });
  ASSERT_TRUE(echo.WaitForCompleted(500, absl::Seconds(20)));
  std::string restarts;
  for (int i = 0; i < ChaosCluster::kReplicas; ++i) {
    const absl::Time began = absl::Now();
    absl::StatusOr<int> exit = cluster.StopReplica(i, SIGTERM);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << "replica " << i << ": " << *exit;
    CHAOS_ASSERT_OK(cluster.StartReplica(i));
    CHAOS_ASSERT_OK(cluster.WaitForEndpoints(/*echo_each=*/false));
    absl::StrAppend(&restarts, restarts.empty() ? "" : ", ",
                    Rounded(absl::Now() - began));
  }
  const bool under_load = echo.running();
  ASSERT_TRUE(echo.Wait().ok()) << echo.Wait();
  ASSERT_TRUE(once.Wait().ok()) << once.Wait();
  // The whole restart happened under load, with load after it.
  EXPECT_TRUE(under_load) << "the restarts outlasted the load";
  report.AddLoad(echo);
  report.AddLoad(once);
  EXPECT_EQ(echo.failed(), 0u) << echo.Failures();
  EXPECT_EQ(once.failed(), 0u) << once.Failures();

  int twice = 0;
  for (const auto& [line, count] : cluster.LedgerCounts()) twice += count > 1;
  EXPECT_EQ(twice, 0);
  report.Note(absl::StrCat("3 replicas stopped (exit 0 after deregister + 1 s drain) and "
                           "restarted on new ports, one at a time (",
                           restarts, " each), all under load; no CountOnce ran twice"));
}

}  // namespace
}  // namespace meshup::chaos
