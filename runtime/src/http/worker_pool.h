// A pool of threads that run tasks, growing on demand within a bound.
//
// `min_threads` threads start with the pool and stay; when a task arrives
// and every thread is busy, another thread starts, up to `max_threads`.
// A thread beyond `min_threads` that finds no task for `idle_exit` ends.
// Submit() never queues a task behind a busy thread: it returns false (and
// drops the task) when all `max_threads` threads are busy, so that the
// caller can refuse the work at once.
//
// Stop() drops the tasks not yet started, waits for the running ones and
// joins the threads; Submit() after Stop() drops the task and returns
// false. Thread-safe; Stop() must not be called from a task. The destructor
// calls Stop().
#ifndef MESHUP_SRC_HTTP_WORKER_POOL_H_
#define MESHUP_SRC_HTTP_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace meshup::internal {

class WorkerPool {
 public:
  WorkerPool(int min_threads, int max_threads, absl::Duration idle_exit = absl::Seconds(10));
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a free thread, starting one if needed; false when none
  // is free and none may start.
  bool Submit(std::function<void()> task);
  void Stop();

  // Threads alive now, and the most alive at once so far.
  int threads() const;
  int peak_threads() const;

 private:
  void Run();
  // Joins the threads that ended after idling; requires mu_ not held.
  void Reap(std::vector<std::thread> ended);

  const size_t min_threads_;
  const size_t max_threads_;
  const absl::Duration idle_exit_;

  mutable std::mutex mu_;
  std::condition_variable cv_;                      // signalled when tasks_ or stopping_ change
  std::deque<std::function<void()>> tasks_;         // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  size_t busy_ = 0;                                 // guarded by mu_; threads running a task
  size_t peak_ = 0;                                 // guarded by mu_
  std::map<std::thread::id, std::thread> threads_;  // guarded by mu_; alive
  std::vector<std::thread> ended_;                  // guarded by mu_; ended, not joined
  std::mutex join_mu_;                              // serializes Stop()
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_WORKER_POOL_H_
