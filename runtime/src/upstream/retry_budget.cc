#include "upstream/retry_budget.h"

#include <algorithm>
#include <utility>

namespace meshup::internal {
namespace {

constexpr uint64_t kCountMask = 0xffffffffULL;

uint64_t Pack(int64_t bucket, uint64_t count) {
  return (static_cast<uint64_t>(bucket) << 32) | count;
}
uint32_t BucketBits(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
uint64_t Count(uint64_t word) { return word & kCountMask; }

}  // namespace

RetryBudget::RetryBudget(RetryBudgetPolicy policy, Clock& clock)
    : policy_(std::move(policy)),
      clock_(clock),
      bucket_nanos_(std::max<int64_t>(1, absl::ToInt64Nanoseconds(policy_.window) / kBuckets)),
      origin_(absl::ToUnixNanos(clock_.Now()) / bucket_nanos_ - kBuckets) {}

int64_t RetryBudget::BucketOf(absl::Time now) const {
  return absl::ToUnixNanos(now) / bucket_nanos_ - origin_;
}

void RetryBudget::Add(Counters& counters, int64_t bucket) {
  std::atomic<uint64_t>& counter = counters[static_cast<uint64_t>(bucket) % kBuckets];
  uint64_t word = counter.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    const auto newer = static_cast<int32_t>(static_cast<uint32_t>(bucket) - BucketBits(word));
    if (newer > 0) {
      next = Pack(bucket, 1);  // the slot held an older bucket: restart it
    } else if (newer < 0) {
      return;  // a late count, for a bucket already out of the window
    } else if (Count(word) == kCountMask) {
      return;  // saturated
    } else {
      next = word + 1;
    }
  } while (!counter.compare_exchange_weak(word, next, std::memory_order_relaxed));
}

uint64_t RetryBudget::Sum(const Counters& counters, int64_t bucket) {
  uint64_t sum = 0;
  for (const std::atomic<uint64_t>& counter : counters) {
    const uint64_t word = counter.load(std::memory_order_relaxed);
    const uint32_t age = static_cast<uint32_t>(bucket) - BucketBits(word);
    if (age < kBuckets) sum += Count(word);
  }
  return sum;
}

void RetryBudget::RecordCall() { Add(calls_, BucketOf(clock_.Now())); }

bool RetryBudget::TryRetry() {
  const int64_t bucket = BucketOf(clock_.Now());
  std::lock_guard<std::mutex> lock(retry_mu_);
  const double allowed = policy_.retry_ratio * static_cast<double>(Sum(calls_, bucket)) +
                         policy_.min_retries_per_second * absl::ToDoubleSeconds(policy_.window);
  if (static_cast<double>(Sum(retries_, bucket)) >= allowed) return false;
  Add(retries_, bucket);
  return true;
}

}  // namespace meshup::internal
