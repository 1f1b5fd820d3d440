// A load generator for unary calls, independent of how a call is made: the
// caller gives a function that starts one asynchronous call and, when the
// call ends, runs the `Done` it was given. The same generator drives plain
// gRPC stubs, MeshUp's generated clients, or anything else:
//
//   LoadOptions options;
//   options.concurrency = 32;                      // closed loop, or:
//   options.rate = 5000;                           // open loop, calls per second
//   absl::StatusOr<LoadResult> result = RunLoad(options, [&](Done done) {
//     client.EchoAsync(request, [done](auto reply) { done(reply.ok()); });
//   });
//
// Closed loop: `concurrency` calls are in flight at all times; each one that
// ends starts the next. Latency runs from a call's start. The result is the
// maximum throughput the system reaches at that concurrency.
//
// Open loop: calls start at a fixed rate, on schedule whether or not earlier
// ones finished, and latency runs from each call's *intended* start, so a
// stall counts against every call it delays (no coordinated omission, as
// wrk2 and fortio measure).
//
// Runs may follow one another in one process, each with its own options;
// `also_record` collects the latencies of several runs' windows.
//
// A run is warm-up, then the measured window (the hooks run at its two ends:
// that is where a caller samples CPU), then a drain of the calls still in
// flight. Only calls of the window count: closed loop, those that end in it;
// open loop, those intended to start in it. `Done` may run on any thread,
// at most once per call; `issue` may be called on any thread, also from
// within a `Done`, and must not block. A call whose `Done` runs inside
// `issue` (on the same thread) is handled without recursion.
#ifndef MESHUP_BENCH_LOADGEN_LOAD_GENERATOR_H_
#define MESHUP_BENCH_LOADGEN_LOAD_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::bench {

class LatencyHistogram;

struct LoadOptions {
  int concurrency = 32;  // closed loop: calls in flight
  double rate = 0;       // > 0: open loop at this many calls per second
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
  // How long to wait for calls still in flight after the window.
  absl::Duration drain_timeout = absl::Seconds(10);
  // Open loop: calls in flight beyond which new ones are not started but
  // counted as failed (the system is far past saturation).
  int64_t max_in_flight = 100000;
  std::function<void()> on_measure_start;
  std::function<void()> on_measure_end;
  // When set, the window's successful latencies are recorded here too.
  LatencyHistogram* also_record = nullptr;
};

// Latency percentiles of the window's successful calls, in microseconds.
struct LatencySummary {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

// The percentiles, maximum and mean of `histogram`.
LatencySummary SummarizeLatency(const LatencyHistogram& histogram);

struct LoadResult {
  bool open_loop = false;
  int concurrency = 0;
  double target_rate = 0;
  absl::Duration window;      // the measured window, as it really lasted
  uint64_t succeeded = 0;     // calls of the window that succeeded
  uint64_t failed = 0;        // ... that failed (not in the latencies)
  uint64_t not_started = 0;   // open loop: skipped past max_in_flight
  double throughput = 0;      // successful calls per second in the window
  LatencySummary latency;
};

class LoadRun;

// What a call runs when it ends; cheap to copy (two words).
class Done {
 public:
  void operator()(bool ok) const;

 private:
  friend class LoadRun;
  Done(LoadRun* run, int64_t start_nanos) : run_(run), start_nanos_(start_nanos) {}
  LoadRun* run_;
  int64_t start_nanos_;  // steady clock: the call's (intended) start
};

using IssueCall = std::function<void(Done)>;

// Runs the load; an error when options are bad or calls did not drain in
// time (the run's state is then kept alive for late calls).
absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options, const IssueCall& issue);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_LOADGEN_LOAD_GENERATOR_H_
