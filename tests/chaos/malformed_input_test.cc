// Scenario 8: one replica's gRPC port and admin port under a flood of new
// connections and malformed input, while load runs through all three:
// plaintext garbage and HTTP/1 at the mTLS port, malformed HTTP/2 past the
// mTLS handshake (bad frames, bad HPACK, flow-control violations, PING and
// CONTINUATION floods, rapid reset), and malformed HTTP/1.1 and slowloris at
// the admin port. The replica stays up and serving: no call fails during or
// after, it answers calls and /healthz at the end, and its memory stays
// bounded.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "chaos_cluster.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "scenario.h"
#include "tls_peer.h"
#include "wire_abuse.h"

namespace meshup::chaos {
namespace {

using meshup_test::common::Echo;

// How much the attacked replica's memory may grow over two rounds of the
// attack. The admin server's share stays within a few MiB; gRPC's grows with
// the first rounds (500 connections at once, 1000-call rapid resets) and
// levels off: in a 16-round exploration, at 110-130 MiB for connections
// alone and about 150 MiB for everything (from 25 MiB).
constexpr int64_t kRssGrowthKib = 192 * 1024;

// Whether process `pid` runs (exists and is no zombie).
bool Alive(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

TEST(ChaosTest, Scenario8ConnectionFloodAndMalformedInput) {
  ScenarioReport report("8-malformed-input",
                        "Connection flood + malformed HTTP/2 and HTTP/1 at one replica's ports");
  RowOnExit row(report);
  ChaosCluster cluster("malformed");
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  Everything::Client& client = cluster.client();
  const int grpc_port = cluster.replica(0).port;
  const int admin_port = cluster.replica(0).admin_port;

  BackgroundLoad echo("Echo 500/s", {500, absl::Seconds(12)}, [&](BackgroundLoad::Report report) {
    client.EchoAsync(Echo(), [report](absl::StatusOr<Echo> reply) { report(reply.status()); });
  });
  ASSERT_TRUE(echo.WaitForCompleted(500, absl::Seconds(20)));
  absl::StatusOr<int64_t> rss_before = cluster.RssKib(0);
  ASSERT_TRUE(rss_before.ok());

  std::atomic<int> grpc_sequences{0}, tls_handshakes{0}, grpc_connections{0};
  std::atomic<int> admin_sequences{0}, admin_connections{0};
  // One round of the attack: the gRPC port from one thread, the admin port
  // from another.
  auto attack = [&] {
    std::thread grpc_attacker([&] {
      grpc_connections += HoldConnections(grpc_port, 500, absl::Seconds(1));
      grpc_connections += ChurnConnections(grpc_port, 500, "");
      grpc_connections += ChurnConnections(grpc_port, 200, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      grpc_connections += ChurnConnections(grpc_port, 200, std::string(2048, '\x16'));
      for (const Abuse& abuse : MalformedHttp2()) {
        // Plaintext, at a port that speaks only mTLS.
        grpc_sequences += SendRaw(grpc_port, abuse.bytes, absl::Milliseconds(20));
        for (int i = 0; i < 3; ++i) {
          absl::StatusOr<std::unique_ptr<TlsPeer>> peer =
              TlsPeer::Connect(grpc_port, cluster.client_identity(), absl::Seconds(5));
          if (!peer.ok()) continue;
          ++tls_handshakes;
          if ((*peer)->Write(abuse.bytes)) ++grpc_sequences;
          (*peer)->Drain(absl::Milliseconds(50));
        }
      }
    });
    std::thread admin_attacker([&] {
      admin_connections += HoldConnections(admin_port, 500, absl::Seconds(1));
      admin_connections += SlowRequests(admin_port, 200, absl::Seconds(1));
      admin_connections += ChurnConnections(admin_port, 500, "");
      for (const Abuse& abuse : MalformedHttp1()) {
        admin_sequences += SendRaw(admin_port, abuse.bytes, absl::Milliseconds(20));
      }
    });
    grpc_attacker.join();
    admin_attacker.join();
  };
  // Twice, to see the memory of the second round on top of the first.
  const absl::Time attack_start = absl::Now();
  attack();
  const absl::Duration round_took = absl::Now() - attack_start;
  absl::StatusOr<int64_t> rss_first = cluster.RssKib(0);
  attack();
  const bool under_load = echo.running();

  // Still up, still serving.
  if (!Alive(cluster.replica(0).process->pid())) {
    absl::StatusOr<int> exit = cluster.StopReplica(0, SIGKILL);
    FAIL() << "the replica died: "
           << (!exit.ok() ? exit.status().ToString()
               : WIFSIGNALED(*exit) ? absl::StrCat("signal ", WTERMSIG(*exit))
                                    : absl::StrCat("exit ", WEXITSTATUS(*exit)));
  }
  absl::StatusOr<std::unique_ptr<Everything::Client>> direct = cluster.DirectClient(0);
  ASSERT_TRUE(direct.ok());
  int direct_ok = 0;
  for (int i = 0; i < 20; ++i) direct_ok += (*direct)->Echo(Echo()).ok();
  EXPECT_EQ(direct_ok, 20);
  absl::StatusOr<testing::HttpAnswer> health =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", admin_port, "/healthz"));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  absl::StatusOr<nlohmann::json> view = cluster.ClientCluster();
  ASSERT_TRUE(view.ok());
  const nlohmann::json target = ChaosCluster::EndpointOf(*view, cluster.replica(0).address());
  ASSERT_FALSE(target.is_null());
  EXPECT_TRUE(target["healthy"].get<bool>());
  EXPECT_EQ(target["times_ejected"].get<int>(), 0);

  ASSERT_TRUE(echo.Wait().ok()) << echo.Wait();
  EXPECT_TRUE(under_load) << "the attack outlasted the load";
  absl::StatusOr<int64_t> rss_after = cluster.RssKib(0);
  ASSERT_TRUE(rss_after.ok() && rss_first.ok());
  report.AddLoad(echo);
  report.AddCalls(direct_ok, 20 - direct_ok);
  EXPECT_EQ(echo.failed(), 0u) << echo.Failures();
  EXPECT_LE(*rss_after - *rss_before, kRssGrowthKib);
  report.Note(absl::StrCat(
      "gRPC port: ", grpc_connections.load(), " connections (500 held at once, the rest churned, "
      "some with HTTP/1 or garbage), ", MalformedHttp2().size(), " malformed HTTP/2 sequences "
      "sent ", grpc_sequences.load(), " times in plaintext and over ", tls_handshakes.load(),
      " mTLS handshakes; admin port: ", admin_connections.load(),
      " connections (500 held, 200 slowloris), ", MalformedHttp1().size(),
      " malformed HTTP/1.1 requests, all in 2 rounds of ", Rounded(round_took),
      "; the replica stayed up, ", direct_ok, "/20 direct calls and /healthz answered after, "
      "never ejected; RSS ", *rss_before / 1024, " MiB -> ", *rss_first / 1024,
      " after round 1 -> ", *rss_after / 1024, " after round 2 (bound +",
      kRssGrowthKib / 1024, ")"));
}

}  // namespace
}  // namespace meshup::chaos
