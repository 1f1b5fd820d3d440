#include "http/worker_pool.h"

#include <system_error>
#include <utility>

namespace meshup::internal {

WorkerPool::WorkerPool(int min_threads, int max_threads, absl::Duration idle_exit)
    : min_threads_(static_cast<size_t>(min_threads < 0 ? 0 : min_threads)),
      max_threads_(static_cast<size_t>(max_threads < min_threads ? min_threads : max_threads)),
      idle_exit_(idle_exit) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < min_threads_; ++i) {
    std::thread thread([this] { Run(); });
    const std::thread::id id = thread.get_id();
    threads_.emplace(id, std::move(thread));
  }
  peak_ = threads_.size();
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Submit(std::function<void()> task) {
  std::vector<std::thread> ended;
  bool accepted = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended.swap(ended_);
    if (stopping_) {
      // Dropped; Stop() joins what ended.
    } else if (tasks_.size() + busy_ < threads_.size()) {
      // A thread is free, or starting (one that has not waited yet counts).
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      accepted = true;
    } else if (threads_.size() < max_threads_) {
      try {
        std::thread thread([this] { Run(); });
        const std::thread::id id = thread.get_id();
        threads_.emplace(id, std::move(thread));
        if (threads_.size() > peak_) peak_ = threads_.size();
        tasks_.push_back(std::move(task));
        cv_.notify_one();
        accepted = true;
      } catch (const std::system_error&) {
        // No thread to be had: refused like a full pool.
      }
    }
  }
  Reap(std::move(ended));
  return accepted;
}

void WorkerPool::Stop() {
  std::lock_guard<std::mutex> join_lock(join_mu_);
  std::vector<std::thread> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    tasks_.clear();
    cv_.notify_all();
    for (auto& [id, thread] : threads_) all.push_back(std::move(thread));
    threads_.clear();
    for (std::thread& thread : ended_) all.push_back(std::move(thread));
    ended_.clear();
  }
  Reap(std::move(all));
}

void WorkerPool::Reap(std::vector<std::thread> ended) {
  for (std::thread& thread : ended) {
    if (thread.joinable()) thread.join();
  }
}

int WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(threads_.size());
}

int WorkerPool::peak_threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(peak_);
}

void WorkerPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const bool woken = cv_.wait_for(lock, absl::ToChronoNanoseconds(idle_exit_),
                                    [this] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    if (!woken) {
      if (threads_.size() <= min_threads_) continue;
      // Idle beyond the core: end, leaving the join to the next Submit() or Stop().
      auto self = threads_.find(std::this_thread::get_id());
      ended_.push_back(std::move(self->second));
      threads_.erase(self);
      return;
    }
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    ++busy_;
    lock.unlock();
    task();
    task = nullptr;
    lock.lock();
    --busy_;
  }
}

}  // namespace meshup::internal
