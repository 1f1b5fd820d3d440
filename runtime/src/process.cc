#include "meshup/process.h"

#include <mutex>

#include "absl/synchronization/mutex.h"
#include "util/malloc_arenas.h"

namespace meshup {

absl::Status ConfigureProcess(const ProcessSettings& settings) {
  // Held while the settings are applied, so that a Mesh::Create() at the
  // same time starts its threads only after them.
  static std::mutex mu;
  static bool configured = false;
  std::lock_guard<std::mutex> lock(mu);
  if (configured) {
    return absl::FailedPreconditionError(
        "the process is configured already: ConfigureProcess() must come once, before the "
        "first Mesh::Create()");
  }
  if (!settings.mutex_deadlock_detection) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  if (settings.cap_malloc_arenas) internal::CapMallocArenas();
  configured = true;
  return absl::OkStatus();
}

}  // namespace meshup
