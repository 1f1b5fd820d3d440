#include "telemetry/async_batcher.h"

#include <utility>

#include "util/sync.h"

namespace meshup::internal {

AsyncBatcher::AsyncBatcher(Sink sink, size_t max_queued, size_t max_batch,
                           absl::Duration flush_interval)
    : sink_(std::move(sink)),
      max_queued_(max_queued),
      max_batch_(max_batch),
      flush_interval_(flush_interval),
      thread_([this] { Run(); }) {}

AsyncBatcher::~AsyncBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void AsyncBatcher::Add(std::string line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= max_queued_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(line));
  ++added_;
  if (queue_.size() >= max_batch_) cv_.notify_all();
}

void AsyncBatcher::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = added_;
  flush_requested_ = true;
  cv_.notify_all();
  cv_.wait(lock, [this, target] { return written_ >= target; });
}

void AsyncBatcher::Run() {
  while (true) {
    std::vector<std::string> batch;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      WaitFor(cv_, lock, flush_interval_,
              [this] { return stopping_ || flush_requested_ || queue_.size() >= max_batch_; });
      stop = stopping_ && queue_.empty();
      flush_requested_ = false;
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + max_batch_));
        queue_.erase(queue_.begin(), queue_.begin() + max_batch_);
      }
    }
    if (!batch.empty()) {
      if (!sink_(batch).ok()) failed_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(mu_);
      written_ += batch.size();
      if (!queue_.empty()) flush_requested_ = true;  // drain the rest at once
      cv_.notify_all();                              // Flush() waits for written_
    }
    if (stop) return;
  }
}

}  // namespace meshup::internal
