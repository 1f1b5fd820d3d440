#include "util/clock.h"

namespace meshup::internal {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// Each thread draws from its own generator: no lock on the hot path.
class RealRandom final : public Random {
 public:
  uint64_t Uniform(uint64_t n) override {
    thread_local absl::BitGen generator;
    return absl::Uniform<uint64_t>(generator, 0, n);
  }
};

}  // namespace

Clock& Clock::Real() {
  static RealClock* clock = new RealClock();
  return *clock;
}

Random& Random::Real() {
  static RealRandom* random = new RealRandom();
  return *random;
}

}  // namespace meshup::internal
