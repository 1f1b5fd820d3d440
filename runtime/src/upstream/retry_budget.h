// A retry budget, as Linkerd's: retries may add at most `retry_ratio` of the
// calls made in the last `window`, plus `min_retries_per_second` (so that a
// service with little traffic can still retry). It stops retry storms when a
// destination fails everything. Thread-safe; RecordCall takes no lock.
//
// The window is kept as kBuckets time buckets of window / kBuckets each, so it
// slides one bucket at a time: "the last window" is the current bucket and the
// kBuckets - 1 before it. A retry is allowed while
//   retries in window < retry_ratio x calls in window
//                       + min_retries_per_second x window in seconds.
#ifndef MESHUP_SRC_UPSTREAM_RETRY_BUDGET_H_
#define MESHUP_SRC_UPSTREAM_RETRY_BUDGET_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "absl/time/time.h"
#include "util/clock.h"

namespace meshup::internal {

struct RetryBudgetPolicy {
  double retry_ratio = 0.2;
  int min_retries_per_second = 10;
  absl::Duration window = absl::Seconds(10);
};

class RetryBudget {
 public:
  RetryBudget(RetryBudgetPolicy policy, Clock& clock);

  // Counts one original call (not a retry).
  void RecordCall();
  // True, and counts the retry, when one more retry fits the budget.
  bool TryRetry();

 private:
  static constexpr int kBuckets = 10;

  // One counter per bucket, packing the bucket's number (its low 32 bits) and
  // its count (32 bits) in one word, so a bucket restarts lock-free when its
  // slot is reused for a newer bucket.
  using Counters = std::array<std::atomic<uint64_t>, kBuckets>;

  // The number of the bucket that `now` falls in, counted from origin_.
  int64_t BucketOf(absl::Time now) const;
  static void Add(Counters& counters, int64_t bucket);
  static uint64_t Sum(const Counters& counters, int64_t bucket);

  const RetryBudgetPolicy policy_;
  Clock& clock_;
  const int64_t bucket_nanos_;
  // kBuckets before the one the budget was made in: the untouched counters,
  // all zero, then read as an older bucket.
  const int64_t origin_;
  Counters calls_{};
  Counters retries_{};
  // Serializes TryRetry's check-and-count; RecordCall never takes it.
  std::mutex retry_mu_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_RETRY_BUDGET_H_
