// Runs one attack of the hostile-callers scenario against one replica and
// measures it: 500 legitimate Echo calls/s through the client Mesh (open
// loop) around the attack; the replica's resident memory and threads before
// (under the legitimate load alone), at the peak (sampled every 10 ms from
// the attack's start until it settled) and after (once within the bounds
// and steady, or after a bounded wait); the legitimate calls' p99 and
// failures among those that started during the attack. Asserts the attack's bounds (gtest
// expectations, so that the row is written however it ends) and writes the
// attack's row of the report's "hostile callers" section.
#ifndef MESHUP_TESTS_CHAOS_ATTACK_RUNNER_H_
#define MESHUP_TESTS_CHAOS_ATTACK_RUNNER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "chaos_cluster.h"

namespace meshup::chaos {

inline constexpr int64_t kMiB = 1024;  // in KiB

// What an attack must stay within. Generous for a loaded 2-core machine;
// each defect these attacks found went far beyond them.
struct Bounds {
  absl::Duration p99 = absl::Milliseconds(250);  // legitimate calls during the attack
  int64_t peak_rss_growth_kib = 64 * kMiB;       // peak sampled RSS over before
  int64_t after_rss_growth_kib = 32 * kMiB;      // settled RSS over before
  // Threads at the peak: half of ServerOptions.max_handler_threads (512),
  // beyond which the server refuses calls, legitimate ones too.
  int64_t peak_threads = 256;
  // Settled threads over before (under the load alone, gRPC keeps a few
  // more waiting than it had before the first burst; the reference run with
  // no attack ends 5 or 6 up).
  int64_t after_thread_growth = 32;
  std::string more;  // a bound the attack checks itself, for the row
};

struct Attack {
  std::string id;         // orders the rows: "1-metric-series"
  std::string name;       // what the attacker does
  absl::Duration budget;  // the attack ends by then; the load runs 1.5 s longer
  Bounds bounds;
  // Runs the attack until `deadline`; returns what was sent and what came
  // back, having checked it through AttackRunner::Check.
  std::function<std::string(absl::Time deadline)> run;
};

class AttackRunner {
 public:
  // Attacks replica `replica` of `cluster`, whose client must be started.
  AttackRunner(ChaosCluster& cluster, int replica);

  // Expects `ok`; `what` says what did not hold, in the failure and the row.
  void Check(bool ok, const std::string& what);

  // Runs `attack` under load, measures, checks the bounds, writes the row.
  void Run(const Attack& attack);

 private:
  ChaosCluster& cluster_;
  const int replica_;
  std::string current_;
  std::vector<std::string> failures_;
};

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_ATTACK_RUNNER_H_
