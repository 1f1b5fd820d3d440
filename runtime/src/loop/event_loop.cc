#include "loop/event_loop.h"

#include <utility>

#include "util/sync.h"

namespace meshup::internal {

EventLoop::EventLoop() {
  uv_loop_init(&loop_);
  wake_.data = this;
  uv_async_init(&loop_, &wake_, &EventLoop::OnWake);
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

EventLoop::~EventLoop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  uv_async_send(&wake_);
  thread_.join();
  uv_loop_close(&loop_);
}

void EventLoop::Post(std::function<void(uv_loop_t*)> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(task));
  }
  uv_async_send(&wake_);
}

void EventLoop::RunAndWait(std::function<void(uv_loop_t*)> task) {
  Notification done;
  Post([&](uv_loop_t* loop) {
    task(loop);
    done.Notify();
  });
  done.WaitForNotification();
}

void EventLoop::OnWake(uv_async_t* async) { static_cast<EventLoop*>(async->data)->RunPosted(); }

void EventLoop::RunPosted() {
  std::vector<std::function<void(uv_loop_t*)>> tasks;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(posted_);
    stopping = stopping_;
  }
  for (auto& task : tasks) task(&loop_);
  if (stopping) {
    // Close every handle left (ours included) so that uv_run returns.
    uv_walk(
        &loop_,
        [](uv_handle_t* handle, void*) {
          if (!uv_is_closing(handle)) uv_close(handle, nullptr);
        },
        nullptr);
  }
}

}  // namespace meshup::internal
