#include "upstream/balancer.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

// How many random draws a sampling balancer makes before it falls back to a
// scan: enough that a scan is rare unless most of the set is unusable.
constexpr int kMaxDraws = 8;

// Consistent hashing: points per endpoint on the ring, and a cap on the ring
// size (100k endpoints get 10 points each).
constexpr size_t kPointsPerEndpoint = 100;
constexpr size_t kMaxRingSize = 1000000;
// How far along the ring a pick walks past excluded or ejected endpoints
// before it falls back to a scan.
constexpr size_t kMaxRingWalk = 256;

bool IsExcluded(const Endpoint* endpoint, const PickContext& context) {
  return absl::c_linear_search(context.exclude, endpoint);
}

bool IsEligible(const Endpoint* endpoint, const PickContext& context) {
  return !endpoint->IsEjected(context.now) && !IsExcluded(endpoint, context);
}

// 64-bit FNV-1a, then a final mix so that keys differing only in their last
// bytes still land far apart on the ring. Stable across runs and platforms.
uint64_t StableHash(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

// What all policies share: the set, the random source, and the fallbacks.
class BalancerBase : public Balancer {
 public:
  BalancerBase(EndpointList endpoints, Random& random)
      : endpoints_(std::move(endpoints)), random_(random) {}

 protected:
  size_t size() const { return endpoints_.size(); }
  Endpoint* at(size_t index) const { return endpoints_[index].get(); }

  // A uniformly drawn eligible endpoint's index, other than `skip`; -1 when
  // kMaxDraws draws found none.
  ptrdiff_t DrawEligible(const PickContext& context, ptrdiff_t skip = -1) {
    const size_t choices = skip < 0 ? size() : size() - 1;
    if (choices == 0) return -1;
    for (int draw = 0; draw < kMaxDraws; ++draw) {
      auto index = static_cast<ptrdiff_t>(random_.Uniform(choices));
      if (skip >= 0 && index >= skip) ++index;
      if (IsEligible(at(index), context)) return index;
    }
    return -1;
  }

  // Scans the whole set from `start`: the first eligible endpoint, else the
  // first one not excluded (panic mode), else the one at `start`.
  Endpoint* ScanFrom(size_t start, const PickContext& context) const {
    Endpoint* not_excluded = nullptr;
    for (size_t step = 0; step < size(); ++step) {
      Endpoint* endpoint = at((start + step) % size());
      if (IsExcluded(endpoint, context)) continue;
      if (!endpoint->IsEjected(context.now)) return endpoint;
      if (not_excluded == nullptr) not_excluded = endpoint;
    }
    return not_excluded != nullptr ? not_excluded : at(start % size());
  }

  Endpoint* ScanFromRandom(const PickContext& context) {
    return ScanFrom(random_.Uniform(size()), context);
  }

  Endpoint* PickRandom(const PickContext& context) {
    if (size() == 0) return nullptr;
    const ptrdiff_t index = DrawEligible(context);
    return index >= 0 ? at(index) : ScanFromRandom(context);
  }

 private:
  const EndpointList endpoints_;
  Random& random_;
};

class RandomBalancer final : public BalancerBase {
 public:
  using BalancerBase::BalancerBase;
  Endpoint* Pick(const PickContext& context) override { return PickRandom(context); }
};

// Power of two choices: of two distinct random eligible endpoints, the one
// with fewer requests in flight (the first drawn on a tie).
class LeastRequestBalancer final : public BalancerBase {
 public:
  using BalancerBase::BalancerBase;
  Endpoint* Pick(const PickContext& context) override {
    if (size() == 0) return nullptr;
    const ptrdiff_t first = DrawEligible(context);
    if (first < 0) return ScanFromRandom(context);
    const ptrdiff_t second = DrawEligible(context, first);
    if (second < 0) return at(first);
    return at(second)->in_flight() < at(first)->in_flight() ? at(second) : at(first);
  }
};

class RoundRobinBalancer final : public BalancerBase {
 public:
  using BalancerBase::BalancerBase;
  Endpoint* Pick(const PickContext& context) override {
    if (size() == 0) return nullptr;
    const uint64_t turn = next_.fetch_add(1, std::memory_order_relaxed);
    return ScanFrom(turn % size(), context);
  }

 private:
  std::atomic<uint64_t> next_{0};
};

// A hash ring: each endpoint owns points at the hashes of "address#replica";
// a key goes to the first point at or after its own hash. Without a key,
// picks are random.
class ConsistentHashBalancer final : public BalancerBase {
 public:
  ConsistentHashBalancer(EndpointList endpoints, Random& random)
      : BalancerBase(std::move(endpoints), random) {
    if (size() == 0) return;
    const size_t points = std::clamp<size_t>(kMaxRingSize / size(), 1, kPointsPerEndpoint);
    ring_.reserve(points * size());
    for (size_t index = 0; index < size(); ++index) {
      for (size_t replica = 0; replica < points; ++replica) {
        ring_.push_back({StableHash(absl::StrCat(at(index)->address(), "#", replica)), index});
      }
    }
    absl::c_sort(ring_, [](const Point& a, const Point& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.index < b.index;
    });
  }

  Endpoint* Pick(const PickContext& context) override {
    if (size() == 0) return nullptr;
    if (!context.has_hash_key) return PickRandom(context);
    const uint64_t hash = StableHash(context.hash_key);
    auto it = absl::c_lower_bound(ring_, hash,
                                  [](const Point& point, uint64_t h) { return point.hash < h; });
    const size_t start = it == ring_.end() ? 0 : it - ring_.begin();
    // Walk on past excluded and ejected endpoints, so that a retry or an
    // ejection moves the key to the next endpoint of the ring.
    const size_t walk = std::min(ring_.size(), kMaxRingWalk);
    for (size_t step = 0; step < walk; ++step) {
      Endpoint* endpoint = at(ring_[(start + step) % ring_.size()].index);
      if (IsEligible(endpoint, context)) return endpoint;
    }
    return ScanFrom(ring_[start].index, context);
  }

 private:
  struct Point {
    uint64_t hash;
    size_t index;
  };
  std::vector<Point> ring_;  // sorted by hash
};

}  // namespace

std::unique_ptr<Balancer> NewBalancer(const config::LoadBalancer& policy, EndpointList endpoints,
                                      Random& random) {
  using Policy = config::LoadBalancer::Policy;
  switch (policy.policy) {
    case Policy::kRoundRobin:
      return std::make_unique<RoundRobinBalancer>(std::move(endpoints), random);
    case Policy::kRandom:
      return std::make_unique<RandomBalancer>(std::move(endpoints), random);
    case Policy::kConsistentHash:
      return std::make_unique<ConsistentHashBalancer>(std::move(endpoints), random);
    case Policy::kLeastRequest:
      break;
  }
  return std::make_unique<LeastRequestBalancer>(std::move(endpoints), random);
}

}  // namespace meshup::internal
