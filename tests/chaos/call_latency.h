// The latency of each call of an open-loop BackgroundLoad, kept so that a
// scenario can read the percentiles of the calls that started within a
// window (while an attack ran). A call's latency runs from its intended
// start: the first call's start plus its index over the rate, so that a
// generator thread held up by the attack counts against the calls it
// delayed, not for them.
//
//   CallLatencies latencies(500);
//   BackgroundLoad load("Echo", {500, absl::Seconds(5)}, [&](auto report) {
//     const absl::Time intended = latencies.Issue();
//     client.EchoAsync(Echo(), [&latencies, intended, report](auto reply) {
//       latencies.Record(intended, reply.ok());
//       report(reply.status());
//     });
//   });
//   LatencyWindow during = latencies.Between(attack_start, attack_end);
#ifndef MESHUP_TESTS_CHAOS_CALL_LATENCY_H_
#define MESHUP_TESTS_CHAOS_CALL_LATENCY_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshup::chaos {

struct LatencyWindow {
  uint64_t calls = 0;   // calls intended to start in the window that ended
  uint64_t failed = 0;  // ... of which failed
  // Of the calls that succeeded.
  absl::Duration p50, p99, max;
  // "p99 12ms (p50 3ms, max 40ms), 1500 calls, 0 failed".
  std::string ToString() const;
};

class CallLatencies {
 public:
  explicit CallLatencies(double rate) : rate_(rate) {}

  // The intended start of the call being issued now.
  absl::Time Issue();
  // The call that was intended to start at `intended` ended now.
  void Record(absl::Time intended, bool ok);

  // The calls intended to start in [from, to) that ended.
  LatencyWindow Between(absl::Time from, absl::Time to) const;

 private:
  struct Call {
    absl::Time intended;
    absl::Duration latency;
    bool ok;
  };
  const double rate_;
  mutable std::mutex mu_;
  absl::Time first_ = absl::InfinitePast();  // guarded by mu_
  uint64_t issued_ = 0;                      // guarded by mu_
  std::vector<Call> calls_;                  // guarded by mu_
};

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_CALL_LATENCY_H_
