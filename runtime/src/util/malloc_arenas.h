// Caps how many malloc arenas glibc gives the process.
//
// glibc gives each thread that allocates its own arena, up to eight per CPU,
// and an arena keeps the memory its thread freed for that thread. A gRPC
// process has a dozen or more threads, so under load its resident memory
// grows with the number of threads rather than with the work. With one arena
// per CPU (at least two) threads share arenas; no more of them allocate at
// once than there are CPUs to run them, so they seldom wait for each other.
//
// CapMallocArenas() sets that cap (mallopt(M_ARENA_MAX)) unless the
// environment already chose one (MALLOC_ARENA_MAX); with another C library
// it does nothing. glibc reads the cap when a thread first allocates, so it
// limits arenas made after the call; call it before starting threads.
// Thread-safe; later calls set the same cap again.
#ifndef MESHUP_SRC_UTIL_MALLOC_ARENAS_H_
#define MESHUP_SRC_UTIL_MALLOC_ARENAS_H_

namespace meshup::internal {

void CapMallocArenas();

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_MALLOC_ARENAS_H_
