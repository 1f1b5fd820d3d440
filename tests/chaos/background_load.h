// Steady load for a chaos scenario: the project's load generator
// (bench/loadgen) in open loop at a fixed rate, on its own thread, while the
// scenario's thread injects faults. Every call of the run counts (warm-up
// included), by the load's own tally, not by the generator's window:
//
//   BackgroundLoad load("Echo", {.rate = 500, .duration = absl::Seconds(8)},
//       [&](BackgroundLoad::Report report) {
//         client.EchoAsync(request, [report](auto reply) { report(reply.status()); });
//       });
//   ... inject faults ...
//   ASSERT_TRUE(load.Wait().ok());
//   load.sent(), load.succeeded(), load.failed(), load.Failures()
//
// `issue` starts one call and must not block; the call reports its outcome
// once, on any thread: OK counts as succeeded, any other status as failed
// (a scenario that expects an error maps it to OK itself).
#ifndef MESHUP_TESTS_CHAOS_BACKGROUND_LOAD_H_
#define MESHUP_TESTS_CHAOS_BACKGROUND_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace meshup::chaos {

struct LoadShape {
  double rate = 500;  // calls per second
  absl::Duration duration = absl::Seconds(8);
};

class BackgroundLoad {
 public:
  using Report = std::function<void(const absl::Status&)>;

  BackgroundLoad(std::string name, LoadShape shape, std::function<void(Report)> issue);
  // Waits for the run to end (joins).
  ~BackgroundLoad();

  // Waits until every call ended (bounded by the shape's duration and a
  // drain); an error when the generator failed or skipped calls.
  absl::Status Wait();
  // Blocks until at least `calls` calls ended, or `timeout` passed.
  bool WaitForCompleted(uint64_t calls, absl::Duration timeout) const;

  // False once the generator stopped starting calls: a fault injected
  // after that was not under load.
  bool running() const { return !finished_.load(); }
  const std::string& name() const { return name_; }
  uint64_t sent() const { return sent_.load(); }
  uint64_t succeeded() const { return succeeded_.load(); }
  uint64_t failed() const { return failed_.load(); }
  // "3 x UNAVAILABLE: <first message>; ..." or "none".
  std::string Failures() const;

 private:
  void Record(const absl::Status& status);

  const std::string name_;
  const LoadShape shape_;
  std::atomic<uint64_t> sent_{0}, succeeded_{0}, failed_{0};
  std::atomic<bool> finished_{false};
  mutable std::mutex mu_;
  std::map<absl::StatusCode, std::pair<uint64_t, std::string>> failures_;  // guarded by mu_
  absl::Status run_status_;                                                 // set by the thread
  uint64_t not_started_ = 0;                                                // set by the thread
  std::thread thread_;
};

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_BACKGROUND_LOAD_H_
