// The runtime's one libuv loop thread per Mesh: watchers, timers and (later)
// the admin server run on it, never on RPC threads.
//
// Post() hands a task to the loop thread from any thread. Tasks run in the
// order posted. The destructor runs the tasks already posted, closes every
// handle still open on the loop, and joins the thread; it must not be called
// from the loop thread.
#ifndef MESHUP_SRC_LOOP_EVENT_LOOP_H_
#define MESHUP_SRC_LOOP_EVENT_LOOP_H_

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "uv.h"

namespace meshup::internal {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `task` on the loop thread. Thread-safe.
  void Post(std::function<void(uv_loop_t*)> task);
  // Runs `task` on the loop thread and waits for it to finish. Must not be
  // called from the loop thread.
  void RunAndWait(std::function<void(uv_loop_t*)> task);
  bool InLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  static void OnWake(uv_async_t* async);
  void RunPosted();

  uv_loop_t loop_;
  uv_async_t wake_;
  std::mutex mu_;
  std::vector<std::function<void(uv_loop_t*)>> posted_;  // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  std::thread thread_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_LOOP_EVENT_LOOP_H_
