// Time and randomness, injected so that tests of time- and chance-driven
// logic (outlier ejection, retry budgets, weighted picks) are deterministic.
#ifndef MESHUP_SRC_UTIL_CLOCK_H_
#define MESHUP_SRC_UTIL_CLOCK_H_

#include <cstdint>
#include <mutex>

#include "absl/random/random.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace meshup::internal {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The process-wide real clock.
  static Clock& Real();
};

// A clock that moves only when told; thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;  // guarded by mu_
};

// Uniform random numbers. Implementations must be thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, n); n > 0.
  virtual uint64_t Uniform(uint64_t n) = 0;
  // Uniform in [0, 100).
  double Percent() { return static_cast<double>(Uniform(1000000)) / 10000.0; }
  // The process-wide random source, seeded from the OS.
  static Random& Real();
};

// A seeded, reproducible random source for tests.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint64_t Uniform(uint64_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::Uniform<uint64_t>(engine_, 0, n);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;  // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_CLOCK_H_
