// The client calls in flight on one Mesh's channels, so that destroying the
// Mesh can end them instead of leaving them to reach a Mesh that is gone.
//
//   LiveCalls::Registration registration(live_calls, this);
//   if (!registration.admitted()) ...      // the Mesh is going: refuse the call
//   ...
//   registration.StopCancels();            // before `this` goes
//   delete this; done(status);
//   registration.Leave();                  // the call's callback has returned
//
// Close() refuses new calls, asks every call in flight to end
// (LiveCall::EndForShutdown, then CancelForShutdown outside its locks) and
// waits until each has left. A call whose
// owner is the user (a stream) detaches instead: it does its accounting at
// once and touches nothing of the Mesh after. Thread-safe; calls are spread
// over shards so that calls on different threads rarely share a lock.
#ifndef MESHUP_SRC_CALL_LIVE_CALLS_H_
#define MESHUP_SRC_CALL_LIVE_CALLS_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace meshup::internal {

class LiveCall {
 public:
  enum class Ending {
    kCancel,    // Close() calls CancelForShutdown() and waits for the call to leave
    kDetached,  // the call has done with the Mesh: count it as gone now
  };
  // Called once, by Close(), under a lock that StopCancels() takes: the call
  // must neither block nor run callbacks (a cancel may run them inline).
  virtual Ending EndForShutdown() = 0;
  // After EndForShutdown() returned kCancel, outside every lock of
  // LiveCalls, while KeepAlive()'s reference holds the call: cancels what
  // is in flight. The call's callbacks may run inline.
  virtual void CancelForShutdown() {}
  // A reference that keeps the call alive; taken under Close()'s lock.
  virtual std::shared_ptr<LiveCall> KeepAlive() { return nullptr; }

 protected:
  ~LiveCall() = default;
};

class LiveCalls {
 public:
  // A call's membership: admitted when the Mesh is not closing.
  class Registration {
   public:
    Registration(std::shared_ptr<LiveCalls> calls, LiveCall* call);
    ~Registration();  // StopCancels() and Leave(), when not done already
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;

    bool admitted() const { return admitted_; }
    // No EndForShutdown() reaches the call after this returns; waits for
    // one that is running.
    void StopCancels();
    // The call is over, callback included. Call once, after StopCancels().
    void Leave();

   private:
    std::shared_ptr<LiveCalls> calls_;  // null: not tracked (no Mesh)
    LiveCall* call_;
    bool admitted_ = true;
    bool cancels_stopped_ = false;
    bool left_ = false;
  };

  // Refuses new calls, ends those in flight and waits for them to leave.
  void Close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // The error of a call refused because its Mesh is gone.
  static absl::Status MeshGoneError();

 private:
  struct Shard {
    std::mutex mu;
    std::condition_variable left;
    bool closed = false;                      // guarded by mu
    absl::flat_hash_set<LiveCall*> calls;     // cancellable, guarded by mu
    absl::flat_hash_set<LiveCall*> detached;  // counted as gone by Close(), guarded by mu
    int in_flight = 0;                        // admitted, not left nor detached; guarded by mu
  };
  Shard& ShardOf(const LiveCall* call);

  static constexpr size_t kShards = 8;
  std::array<Shard, kShards> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_CALL_LIVE_CALLS_H_
