#include "attack_runner.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "background_load.h"
#include "call_latency.h"
#include "gtest/gtest.h"
#include "process_sampler.h"
#include "scenario.h"

namespace meshup::chaos {
namespace {

using meshup_test::common::Echo;

constexpr double kRate = 500;  // legitimate Echo calls per second
// How long the replica may take to give back threads and memory.
constexpr absl::Duration kSettleTimeout = absl::Seconds(5);

// A whole MiB figure of KiB.
std::string MiB(int64_t kib) { return absl::StrCat(kib / 1024); }

}  // namespace

AttackRunner::AttackRunner(ChaosCluster& cluster, int replica)
    : cluster_(cluster), replica_(replica) {}

void AttackRunner::Check(bool ok, const std::string& what) {
  EXPECT_TRUE(ok) << current_ << ": " << what;
  if (!ok) failures_.push_back(what);
}

void AttackRunner::Run(const Attack& attack) {
  current_ = attack.id;
  failures_.clear();
  const pid_t pid = cluster_.replica(replica_).process->pid();
  const std::string load_average = LoadAverage();
  CallLatencies latencies(kRate);
  Everything::Client& client = cluster_.client();
  BackgroundLoad load("Echo 500/s", {kRate, attack.budget + absl::Milliseconds(1500)},
                      [&](BackgroundLoad::Report report) {
                        const absl::Time intended = latencies.Issue();
                        client.EchoAsync(
                            Echo(), [&latencies, intended, report](absl::StatusOr<Echo> reply) {
                              latencies.Record(intended, reply.ok());
                              report(reply.status());
                            });
                      });
  Check(load.WaitForCompleted(250, absl::Seconds(10)), "the load did not start");
  absl::StatusOr<ProcessStatus> before = ReadProcessStatus(pid);
  ASSERT_TRUE(before.ok()) << before.status();

  ProcessSampler sampler(pid);
  const absl::Time start = absl::Now();
  const std::string observed =
      absl::StrReplaceAll(attack.run(start + attack.budget), {{"|", "\\|"}});
  const absl::Time end = absl::Now();
  const bool under_load = load.running();
  const absl::Status load_status = load.Wait();
  const LatencyWindow during = latencies.Between(start, end);
  Check(load_status.ok(), load_status.ToString());
  Check(under_load, "the attack outlasted the load");

  // Settled: within the bounds and steady over 250 ms, or the timeout.
  const Bounds& bounds = attack.bounds;
  ProcessStatus after = *before;
  ProcessStatus previous = {-1, -1, -1};
  const absl::Time settle_start = absl::Now();
  while (absl::Now() - settle_start < kSettleTimeout) {
    absl::StatusOr<ProcessStatus> now = ReadProcessStatus(pid);
    if (!now.ok()) {
      Check(false, "the replica is gone: " + now.status().ToString());
      break;
    }
    after = *now;
    const bool within = after.rss_kib - before->rss_kib <= bounds.after_rss_growth_kib &&
                        after.threads - before->threads <= bounds.after_thread_growth;
    const bool steady = std::abs(after.threads - previous.threads) <= 1 &&
                        std::abs(after.rss_kib - previous.rss_kib) <= kMiB;
    if (within && steady) break;
    previous = after;
    absl::SleepFor(absl::Milliseconds(250));
  }
  const absl::Duration settled_in = absl::Now() - settle_start;
  // The peak of the attack and of what the replica did after it.
  const ProcessStatus peak = sampler.Stop();

  Check(during.calls > 0, "no legitimate call started during the attack");
  Check(during.failed == 0,
        absl::StrCat(during.failed, " legitimate calls failed (", load.Failures(), ")"));
  Check(during.p99 < bounds.p99, absl::StrCat("legitimate p99 ", Rounded(during.p99)));
  Check(peak.rss_kib - before->rss_kib <= bounds.peak_rss_growth_kib,
        absl::StrCat("peak RSS +", MiB(peak.rss_kib - before->rss_kib), " MiB"));
  Check(peak.threads <= bounds.peak_threads, absl::StrCat(peak.threads, " threads at the peak"));
  Check(after.rss_kib - before->rss_kib <= bounds.after_rss_growth_kib,
        absl::StrCat("RSS after +", MiB(after.rss_kib - before->rss_kib), " MiB"));
  Check(after.threads - before->threads <= bounds.after_thread_growth,
        absl::StrCat(after.threads, " threads after"));

  const std::string row = absl::StrCat(
      "| ", attack.id, " | ", attack.name, " | ", observed, " | ", MiB(before->rss_kib), " / ",
      MiB(peak.rss_kib), " / ", MiB(after.rss_kib), " (VmHWM ", MiB(after.hwm_kib), ") | ",
      before->threads, " / ", peak.threads, " / ", after.threads, " | ", Rounded(settled_in), " | ",
      Rounded(during.p99), " (p50 ", Rounded(during.p50), ", max ", Rounded(during.max), "); ",
      during.failed, " of ", during.calls, " failed | p99 < ", Rounded(bounds.p99),
      ", 0 failed; RSS peak +", MiB(bounds.peak_rss_growth_kib), ", after +",
      MiB(bounds.after_rss_growth_kib), "; threads peak <= ", bounds.peak_threads, ", after +",
      bounds.after_thread_growth, bounds.more.empty() ? "" : "; " + bounds.more, " | ",
      load_average, " | ",
      failures_.empty() ? "held" : "**FAILED**: " + absl::StrJoin(failures_, "; "), " |");
  WriteSectionRow("hostile", attack.id, absl::StrReplaceAll(row, {{"\n", " "}, {"\r", " "}}));
}

}  // namespace meshup::chaos
