#include "meshup/process.h"

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "util/malloc_arenas.h"

namespace meshup {

absl::Status ConfigureProcess(const ProcessSettings& settings) {
  static std::atomic<bool> configured{false};
  if (configured.exchange(true)) {
    return absl::FailedPreconditionError(
        "the process is configured already: ConfigureProcess() must come once, before the "
        "first Mesh::Create()");
  }
  if (!settings.mutex_deadlock_detection) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  if (settings.cap_malloc_arenas) internal::CapMallocArenas();
  return absl::OkStatus();
}

}  // namespace meshup
