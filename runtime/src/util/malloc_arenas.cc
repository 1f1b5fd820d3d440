#include "util/malloc_arenas.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace meshup::internal {

int CapMallocArenas() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return 0;
  cpu_set_t cpus;
  int count = 1;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) count = CPU_COUNT(&cpus);
  const int cap = std::max(2, count);
  return mallopt(M_ARENA_MAX, cap) == 1 ? cap : 0;
#else
  return 0;
#endif
}

}  // namespace meshup::internal
