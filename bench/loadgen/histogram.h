// A log-linear latency histogram in the manner of HdrHistogram, written by
// hand (see docs/architecture.md, "Written by hand"): values in nanoseconds, exact below
// 128 ns, above that 128 linear sub-buckets per power of two, so any
// reported value is within 1/128 (0.8%) of the recorded one. Recording is a
// few relaxed atomic adds: many threads may record at once, with no lock.
// Percentiles report the highest value of the bucket they fall in, as
// HdrHistogram's highestEquivalentValue does.
#ifndef MESHUP_BENCH_LOADGEN_HISTOGRAM_H_
#define MESHUP_BENCH_LOADGEN_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace meshup::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  void Record(uint64_t nanos);
  // Adds every count of `other` (not thread-safe against Record on `other`).
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_.load(std::memory_order_relaxed); }
  double mean() const;
  // The value at `percentile` (0-100]: the smallest bucket bound below
  // which that share of the values lies. 0 when empty.
  uint64_t Percentile(double percentile) const;

  // A histogram's contents in a form another process can take: (bucket,
  // count) of every non-empty bucket in bucket order, with sum() and max().
  using Buckets = std::vector<std::pair<size_t, uint64_t>>;
  Buckets NonEmptyBuckets() const;
  // Adds what NonEmptyBuckets(), sum() and max() of another histogram gave;
  // an error naming the bucket, and nothing added, when one is out of range.
  absl::Status MergeBuckets(const Buckets& buckets, uint64_t sum, uint64_t max);

  // Exposed for tests: the bucket of a value and a bucket's highest value.
  static size_t BucketOf(uint64_t nanos);
  static uint64_t HighestValueOf(size_t bucket);

 private:
  static constexpr int kSubBucketBits = 7;
  static constexpr size_t kSubBuckets = size_t{1} << kSubBucketBits;
  static constexpr size_t kBuckets = kSubBuckets + (64 - kSubBucketBits) * kSubBuckets;

  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> max_{0};
};

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_LOADGEN_HISTOGRAM_H_
