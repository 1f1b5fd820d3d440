// Moves telemetry output (spans, access-log lines) off the hot path: Add()
// queues a line under a short lock and returns; one background thread hands
// the queued lines, in order and in batches, to a sink (a file, an OTLP
// collector). When the queue is full, new lines are dropped and counted
// rather than block a call. The destructor flushes what is queued.
#ifndef MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_
#define MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace meshup::internal {

class AsyncBatcher {
 public:
  // Writes one batch; an error is counted (failed_batches) and the batch
  // dropped: telemetry never holds up or fails a call.
  using Sink = std::function<absl::Status(const std::vector<std::string>& lines)>;

  AsyncBatcher(Sink sink, size_t max_queued = 10000, size_t max_batch = 512,
               absl::Duration flush_interval = absl::Milliseconds(200));
  ~AsyncBatcher();
  AsyncBatcher(const AsyncBatcher&) = delete;
  AsyncBatcher& operator=(const AsyncBatcher&) = delete;

  void Add(std::string line);
  // Blocks until every line added before the call reached the sink.
  void Flush();

  int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  int64_t failed_batches() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const Sink sink_;
  const size_t max_queued_, max_batch_;
  const absl::Duration flush_interval_;
  absl::Mutex mu_;
  std::vector<std::string> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t added_ ABSL_GUARDED_BY(mu_) = 0;    // lines accepted so far
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;  // lines handed to the sink so far
  bool flush_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> failed_{0};
  std::thread thread_;
};

// A sink appending each line and a newline to `path` (created if missing).
AsyncBatcher::Sink FileLineSink(std::string path);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_
