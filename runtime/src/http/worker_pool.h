// A fixed pool of threads that run tasks in the order submitted.
//
// Stop() drops the tasks not yet started, waits for the running ones and
// joins the threads; Submit() after Stop() drops the task. Thread-safe;
// Stop() must not be called from a task. The destructor calls Stop().
#ifndef MESHUP_SRC_HTTP_WORKER_POOL_H_
#define MESHUP_SRC_HTTP_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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
  bool HasWorkOrStop() const {  // requires mu_ held
    return stopping_ || !tasks_.empty();
  }

  std::mutex mu_;
  std::condition_variable cv_;               // signalled when tasks_ or stopping_ change
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
  std::mutex join_mu_;  // serializes Stop()
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_WORKER_POOL_H_
