// Scenario 3: the registry (a real etcd) is killed (SIGKILL) for an outage
// and restarted while load runs over an etcd registry: with its data (3), and
// empty, as after losing its disk (3b). Not one call fails: clients keep the
// endpoints they knew. After the restart the registrations are there again,
// kept alive (etcd lists the three replicas under a live lease; an empty etcd
// gets them registered anew) and the client lists the three replicas.
//
// The outage lasts MESHUP_CHAOS_ETCD_OUTAGE_S seconds: 30 in a full run
// (tests/chaos/run_chaos.sh --full), 5 by default so that CI stays short.
#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "chaos_cluster.h"
#include "discovery/http_client.h"
#include "etcd_server.h"
#include "gtest/gtest.h"
#include "scenario.h"

namespace meshup::chaos {
namespace {

using meshup_test::common::Echo;

// The workloads etcd lists for `everything`, each with the TTL left on its
// lease (-1: none).
absl::StatusOr<std::vector<int64_t>> Registrations(const std::string& url) {
  const std::string prefix = "/meshup/everything/";
  const nlohmann::json request = {{"key", absl::Base64Escape(prefix)},
                                  {"range_end", absl::Base64Escape("/meshup/everything0")}};
  absl::StatusOr<std::string> body =
      internal::PostJson(url + "/v3/kv/range", request.dump(), absl::Seconds(5));
  if (!body.ok()) return body.status();
  const nlohmann::json answer = nlohmann::json::parse(*body, nullptr, false);
  std::vector<int64_t> ttls;
  if (answer.is_discarded() || !answer.contains("kvs")) return ttls;
  for (const auto& kv : answer["kvs"]) {
    int64_t ttl = -1;
    if (kv.contains("lease")) {
      absl::StatusOr<std::string> lease = internal::PostJson(
          url + "/v3/lease/timetolive",
          nlohmann::json{{"ID", kv["lease"]}}.dump(), absl::Seconds(5));
      if (lease.ok()) {
        const nlohmann::json live = nlohmann::json::parse(*lease, nullptr, false);
        if (!live.is_discarded() && live.contains("TTL")) {
          ttl = std::stoll(live["TTL"].is_string() ? live["TTL"].get<std::string>()
                                                   : live["TTL"].dump());
        }
      }
    }
    ttls.push_back(ttl);
  }
  return ttls;
}

// Kills etcd for the outage under load and restarts it, with its data or
// (`wipe`) empty, as after losing its disk.
void EtcdOutage(bool wipe) {
  const absl::Duration outage = EnvSeconds("MESHUP_CHAOS_ETCD_OUTAGE_S", 5);
  ScenarioReport report(wipe ? "3b-etcd-outage-empty" : "3-etcd-outage",
                        absl::StrCat("etcd killed for ", absl::FormatDuration(outage),
                                     wipe ? ", restarted empty (data lost)"
                                          : " and restarted with its data"));
  RowOnExit row(report);
  ClusterOptions options;
  options.file_registry = false;
  ChaosCluster cluster("etcd", options);
  CHAOS_ASSERT_OK(cluster.Init());
  testing::EtcdServer etcd((cluster.root() / "etcd").string());
  CHAOS_ASSERT_OK(etcd.Start());
  CHAOS_ASSERT_OK(cluster.WriteServerConfig("mesh.yaml", EtcdMesh(etcd.client_url())));
  CHAOS_ASSERT_OK(cluster.WriteClientConfig("mesh.yaml", EtcdMesh(etcd.client_url())));
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  absl::StatusOr<std::vector<int64_t>> before = Registrations(etcd.client_url());
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->size(), 3u);
  Everything::Client& client = cluster.client();

  BackgroundLoad echo("Echo 500/s", {500, outage + absl::Seconds(10)},
                      [&](BackgroundLoad::Report report) {
                        client.EchoAsync(Echo(), [report](absl::StatusOr<Echo> reply) {
                          report(reply.status());
                        });
                      });
  ASSERT_TRUE(echo.WaitForCompleted(500, absl::Seconds(20)));
  // The client's view, all along: the fewest endpoints it listed.
  std::atomic<bool> watching{true};
  std::atomic<int> fewest{3};
  std::thread watcher([&] {
    while (watching) {
      absl::StatusOr<nlohmann::json> view = cluster.ClientCluster();
      if (view.ok()) {
        const int listed = static_cast<int>((*view)["endpoints"].size());
        if (listed < fewest) fewest = listed;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  CHAOS_ASSERT_OK(etcd.Kill());
  const uint64_t at_kill = echo.succeeded();
  absl::SleepFor(outage);
  const uint64_t during = echo.succeeded() - at_kill;
  if (wipe) etcd.WipeData();
  CHAOS_ASSERT_OK(etcd.Start());
  const absl::Time restarted = absl::Now();

  // Registrations back, each under a live lease.
  std::vector<int64_t> after;
  while (absl::Now() < restarted + absl::Seconds(20)) {
    absl::StatusOr<std::vector<int64_t>> now = Registrations(etcd.client_url());
    if (now.ok()) {
      after = *now;
      int live = 0;
      for (int64_t ttl : after) live += ttl > 0;
      if (live == 3) break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Duration to_restore = absl::Now() - restarted;
  int live = 0;
  for (int64_t ttl : after) live += ttl > 0;
  EXPECT_EQ(after.size(), 3u);
  EXPECT_EQ(live, 3) << "registrations without a live lease";
  // The client's view: the three replicas, healthy.
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints(/*echo_each=*/false, absl::Seconds(10)));

  const bool under_load = echo.running();
  watching = false;
  watcher.join();
  ASSERT_TRUE(echo.Wait().ok()) << echo.Wait();
  EXPECT_TRUE(under_load) << "the restart outlasted the load";
  report.AddLoad(echo);
  EXPECT_EQ(echo.failed(), 0u) << echo.Failures();
  EXPECT_GT(during, 100u) << "calls stopped while etcd was down";
  EXPECT_EQ(fewest.load(), 3) << "the client lost endpoints";
  report.Note(absl::StrCat(during, " calls succeeded during the outage; after the restart",
                           wipe ? " (empty) the replicas registered again: " : "", " etcd "
                           "listed ", after.size(), " registrations, ", live,
                           " under a live lease, within ",
                           Rounded(to_restore),
                           "; the client listed the 3 replicas, healthy, and never fewer than ", fewest.load(),
                           " (polled every 20 ms)"));
}

TEST(ChaosTest, Scenario3EtcdOutage) { EtcdOutage(/*wipe=*/false); }

TEST(ChaosTest, Scenario3bEtcdOutageComingBackEmpty) { EtcdOutage(/*wipe=*/true); }

}  // namespace
}  // namespace meshup::chaos
