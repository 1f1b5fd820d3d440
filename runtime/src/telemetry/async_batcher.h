// Moves telemetry output (spans, access-log lines) off the hot path: Add()
// queues a line under a short lock and returns; one background thread hands
// the queued lines, in order and in batches, to a sink (a file, an OTLP
// collector). When the queue is full, new lines are dropped and counted
// rather than block a call. The destructor flushes what is queued.
#ifndef MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_
#define MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
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
  std::mutex mu_;
  std::condition_variable cv_;      // signalled on every change of the fields below
  std::vector<std::string> queue_;  // guarded by mu_
  uint64_t added_ = 0;              // guarded by mu_; lines accepted so far
  uint64_t written_ = 0;            // guarded by mu_; lines handed to the sink so far
  bool flush_requested_ = false;    // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> failed_{0};
  std::thread thread_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_ASYNC_BATCHER_H_
