#include "util/malloc_arenas.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace meshup::internal {

namespace {

// The CPUs this process may run on, at least two.
int MallocArenaCap() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 2;
  return std::max(2, CPU_COUNT(&cpus));
}

}  // namespace

void CapMallocArenas() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, MallocArenaCap());
#endif
}

}  // namespace meshup::internal
