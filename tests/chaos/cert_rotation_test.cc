// Scenario 4: three certificate rotations on every workload under load: the
// replicas' identity (shared by the three) and the client's are issued again
// (new keys and certificates, written over the files the workloads watch).
// After each rotation every replica presents the new certificate to a new
// connection, and not one call fails.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "chaos_cluster.h"
#include "gtest/gtest.h"
#include "scenario.h"
#include "tls_peer.h"

namespace meshup::chaos {
namespace {

using meshup_test::common::Echo;

TEST(ChaosTest, Scenario4ThreeCertificateRotations) {
  ScenarioReport report("4-cert-rotation", "3 certificate rotations on every workload");
  RowOnExit row(report);
  ChaosCluster cluster("rotation");
  CHAOS_ASSERT_OK(cluster.Init());
  CHAOS_ASSERT_OK(cluster.StartReplicas());
  CHAOS_ASSERT_OK(cluster.StartClient());
  CHAOS_ASSERT_OK(cluster.WaitForEndpoints());
  Everything::Client& client = cluster.client();

  BackgroundLoad echo("Echo 500/s", {500, absl::Seconds(10)}, [&](BackgroundLoad::Report report) {
    client.EchoAsync(Echo(), [report](absl::StatusOr<Echo> reply) { report(reply.status()); });
  });
  ASSERT_TRUE(echo.WaitForCompleted(300, absl::Seconds(20)));
  std::string took;
  int fresh_calls = 0;
  for (int rotation = 1; rotation <= 3; ++rotation) {
    const absl::Time start = absl::Now();
    ASSERT_TRUE(cluster.ca().Issue("everything-sa", "default", absl::Minutes(10)).ok());
    ASSERT_TRUE(cluster.ca().Issue("client-sa", "default", absl::Minutes(10)).ok());
    absl::StatusOr<std::string> serial =
        CertificateSerial(cluster.server_identity() + "/cert.pem");
    ASSERT_TRUE(serial.ok()) << serial.status();
    // Every replica serves the new certificate (workloads re-read their
    // files every second).
    for (int i = 0; i < ChaosCluster::kReplicas; ++i) {
      std::string presented;
      for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
           presented != *serial && absl::Now() < deadline;) {
        absl::StatusOr<std::unique_ptr<TlsPeer>> peer =
            TlsPeer::Connect(cluster.replica(i).port, cluster.client_identity(), absl::Seconds(5));
        if (peer.ok()) presented = (*peer)->PeerSerial();
        if (presented != *serial) absl::SleepFor(absl::Milliseconds(100));
      }
      EXPECT_EQ(presented, *serial) << "replica " << i << " still presents the old certificate";
      // A new channel of the client (a new connection, its rotated
      // certificate) gets through.
      absl::StatusOr<std::unique_ptr<Everything::Client>> direct = cluster.DirectClient(i);
      ASSERT_TRUE(direct.ok());
      absl::StatusOr<Echo> reply = (*direct)->Echo(Echo());
      EXPECT_TRUE(reply.ok()) << reply.status();
      fresh_calls += reply.ok();
    }
    absl::StrAppend(&took, rotation == 1 ? "" : ", ",
                    Rounded(absl::Now() - start));
    absl::SleepFor(absl::Seconds(1));  // the client's own re-read, under load
  }
  const bool under_load = echo.running();
  ASSERT_TRUE(echo.Wait().ok()) << echo.Wait();
  EXPECT_TRUE(under_load) << "the rotations outlasted the load";
  report.AddLoad(echo);
  EXPECT_EQ(echo.failed(), 0u) << echo.Failures();
  report.Note(absl::StrCat("after each of 3 rotations (server and client identities re-issued) "
                           "all 3 replicas presented the new certificate to a new mTLS "
                           "connection within ",
                           took, "; ", fresh_calls, "/9 calls on new client connections "
                           "succeeded after the rotations"));
}

}  // namespace
}  // namespace meshup::chaos
