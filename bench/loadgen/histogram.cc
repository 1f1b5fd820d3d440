#include "loadgen/histogram.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace meshup::bench {

LatencyHistogram::LatencyHistogram() : counts_(new std::atomic<uint64_t>[kBuckets]) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

size_t LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<size_t>(nanos);
  const int magnitude = 63 - __builtin_clzll(nanos);  // >= kSubBucketBits
  const int shift = magnitude - kSubBucketBits;
  const size_t sub = static_cast<size_t>(nanos >> shift) - kSubBuckets;  // [0, kSubBuckets)
  return kSubBuckets + static_cast<size_t>(shift) * kSubBuckets + sub;
}

uint64_t LatencyHistogram::HighestValueOf(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const size_t shift = (bucket - kSubBuckets) / kSubBuckets;
  const uint64_t sub = (bucket - kSubBuckets) % kSubBuckets + kSubBuckets;
  const uint64_t lowest = sub << shift;
  return lowest + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(uint64_t nanos) {
  counts_[BucketOf(nanos)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(nanos, std::memory_order_relaxed);
  uint64_t seen = max_.load(std::memory_order_relaxed);
  while (nanos > seen && !max_.compare_exchange_weak(seen, nanos, std::memory_order_relaxed)) {
  }
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  // Its own buckets are always in range.
  MergeBuckets(other.NonEmptyBuckets(), other.sum(), other.max()).IgnoreError();
}

LatencyHistogram::Buckets LatencyHistogram::NonEmptyBuckets() const {
  Buckets buckets;
  for (size_t i = 0; i < kBuckets; ++i) {
    const uint64_t n = counts_[i].load(std::memory_order_relaxed);
    if (n != 0) buckets.emplace_back(i, n);
  }
  return buckets;
}

absl::Status LatencyHistogram::MergeBuckets(const Buckets& buckets, uint64_t sum, uint64_t max) {
  for (const auto& [bucket, n] : buckets) {
    if (bucket >= kBuckets) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram bucket ", bucket, " is out of range (0 to ", kBuckets - 1, ")"));
    }
  }
  uint64_t added = 0;
  for (const auto& [bucket, n] : buckets) {
    counts_[bucket].fetch_add(n, std::memory_order_relaxed);
    added += n;
  }
  count_.fetch_add(added, std::memory_order_relaxed);
  sum_.fetch_add(sum, std::memory_order_relaxed);
  if (max > this->max()) max_.store(max, std::memory_order_relaxed);
  return absl::OkStatus();
}

double LatencyHistogram::mean() const {
  const uint64_t n = count();
  return n == 0 ? 0 : static_cast<double>(sum_.load(std::memory_order_relaxed)) / n;
}

uint64_t LatencyHistogram::Percentile(double percentile) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  auto rank = static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(n)));
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const uint64_t value = HighestValueOf(i);
      return value < max() ? value : max();
    }
  }
  return max();
}

}  // namespace meshup::bench
