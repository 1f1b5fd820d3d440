// A fixed pool of threads that run tasks in the order submitted.
//
// Stop() drops the tasks not yet started, waits for the running ones and
// joins the threads; Submit() after Stop() drops the task. Thread-safe;
// Stop() must not be called from a task. The destructor calls Stop().
#ifndef MESHUP_SRC_HTTP_WORKER_POOL_H_
#define MESHUP_SRC_HTTP_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace meshup::internal {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  void Stop();

 private:
  void Run();
  bool HasWorkOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !tasks_.empty();
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
  absl::Mutex join_mu_;  // serializes Stop()
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_WORKER_POOL_H_
