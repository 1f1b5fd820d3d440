// Synchronization helpers on std::mutex and std::condition_variable.
//
// MeshUp locks with the standard library (pthread underneath), never with
// absl::Mutex: Debian's Abseil is not built with ThreadSanitizer, so TSan
// cannot see absl::Mutex's locking and reports false races on everything it
// guards, while it intercepts pthread. Abseil stays for Status, StatusOr,
// Time and strings.
//
// - WaitFor(cv, lock, timeout, ready): waits until ready() holds or the
//   timeout passes, returns ready(); absl::InfiniteDuration() waits forever.
//   Unlike absl::Mutex::Await, a condition variable is not re-evaluated on
//   every unlock: whoever changes what ready() reads notifies `cv`.
// - Notification: a one-shot event, as absl::Notification (Notify once,
//   wait with or without a timeout). Thread-safe.
#ifndef MESHUP_SRC_UTIL_SYNC_H_
#define MESHUP_SRC_UTIL_SYNC_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace meshup::internal {

template <typename Predicate>
bool WaitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
             absl::Duration timeout, Predicate ready) {
  // Beyond a year is forever; it also keeps now() + timeout from overflowing.
  if (timeout > absl::Hours(24 * 365)) {
    cv.wait(lock, ready);
    return true;
  }
  if (timeout < absl::ZeroDuration()) timeout = absl::ZeroDuration();
  return cv.wait_until(lock, std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout),
                       ready);
}

class Notification {
 public:
  Notification() = default;
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  // At most once.
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }
  bool HasBeenNotified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }
  void WaitForNotification() const {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }
  // True when notified within `timeout`.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return WaitFor(cv_, lock, timeout, [this] { return notified_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;  // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_SYNC_H_
