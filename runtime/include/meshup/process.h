// Process-wide settings of a program that uses MeshUp.
//
// They belong to the process, not to one Mesh, so they are set once: by a
// call of ConfigureProcess() before the first Mesh::Create(), or else by
// that Create() with the defaults below. Call it early in main(), before
// starting threads that allocate.
//
//   meshup::ProcessSettings settings;
//   settings.mutex_deadlock_detection = true;  // a debug build hunting lock-order bugs
//   absl::Status configured = meshup::ConfigureProcess(settings);
//
// Whichever comes first decides; a later ConfigureProcess() returns
// FAILED_PRECONDITION and changes nothing. Thread-safe: a Mesh::Create()
// that runs at the same time as the first ConfigureProcess() waits until the
// settings are applied.
//
// They are defaults, not a call every program must make, because a MeshUp
// process is a gRPC process under load, which wants both, and a program
// that never thinks of them should not pay for that. What they cost: with
// deadlock detection off, Abseil no longer reports a lock-order inversion
// (a debugging aid); with fewer malloc arenas, threads that allocate at the
// same moment can wait on one arena's lock. docs/performance.md has what
// each setting measured.
#ifndef MESHUP_PROCESS_H_
#define MESHUP_PROCESS_H_

#include "absl/status/status.h"

namespace meshup {

struct ProcessSettings {
  // Abseil's check of the order in which every absl::Mutex of the process
  // (gRPC's included) is locked. A build of Abseil without NDEBUG, such as
  // Debian's, runs it on every lock, under a process-wide lock; release
  // builds leave it off. false: turned off
  // (absl::SetMutexDeadlockDetectionMode(kIgnore)). true: the process's
  // setting is left alone.
  bool mutex_deadlock_detection = false;
  // glibc gives each thread that allocates its own malloc arena, up to eight
  // per CPU, and an arena keeps what its thread freed, so a busy gRPC
  // process's memory grows with its thread count. true: at most one arena
  // per CPU (at least two; mallopt(M_ARENA_MAX)) unless the environment
  // sets MALLOC_ARENA_MAX; it holds for the arenas made after it. false:
  // malloc is left alone.
  bool cap_malloc_arenas = true;
};

// Applies `settings` to the process; see above.
absl::Status ConfigureProcess(const ProcessSettings& settings);

}  // namespace meshup

#endif  // MESHUP_PROCESS_H_
