#include "call/live_calls.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace meshup::internal {

LiveCalls::Shard& LiveCalls::ShardOf(const LiveCall* call) {
  // Calls are heap objects: the low bits are alignment, the next ones vary.
  return shards_[(reinterpret_cast<uintptr_t>(call) >> 6) % kShards];
}

absl::Status LiveCalls::MeshGoneError() {
  return absl::FailedPreconditionError(
      "the Mesh this channel was made by has been destroyed: calls on its channels fail");
}

LiveCalls::Registration::Registration(std::shared_ptr<LiveCalls> calls, LiveCall* call)
    : calls_(std::move(calls)), call_(call) {
  if (calls_ == nullptr) return;
  Shard& shard = calls_->ShardOf(call_);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.closed) {
    admitted_ = false;
    calls_ = nullptr;
    return;
  }
  shard.calls.insert(call_);
  ++shard.in_flight;
}

LiveCalls::Registration::Registration(Registration&& other) noexcept
    : calls_(std::move(other.calls_)),
      call_(other.call_),
      admitted_(other.admitted_),
      cancels_stopped_(other.cancels_stopped_),
      left_(other.left_) {
  other.calls_ = nullptr;
}

LiveCalls::Registration::~Registration() {
  StopCancels();
  Leave();
}

void LiveCalls::Registration::StopCancels() {
  if (calls_ == nullptr || cancels_stopped_) return;
  cancels_stopped_ = true;
  Shard& shard = calls_->ShardOf(call_);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.calls.erase(call_);
}

void LiveCalls::Registration::Leave() {
  if (calls_ == nullptr || left_) return;
  left_ = true;
  std::shared_ptr<LiveCalls> calls = std::move(calls_);
  Shard& shard = calls->ShardOf(call_);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.calls.erase(call_);
  if (shard.detached.erase(call_) > 0) return;  // counted as gone already
  if (--shard.in_flight == 0) shard.left.notify_all();
}

void LiveCalls::Close() {
  closed_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<LiveCall>> to_cancel;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.closed = true;
    for (LiveCall* call : shard.calls) {
      if (call->EndForShutdown() == LiveCall::Ending::kDetached) {
        shard.detached.insert(call);
        --shard.in_flight;
      } else if (std::shared_ptr<LiveCall> kept = call->KeepAlive()) {
        to_cancel.push_back(std::move(kept));
      }
    }
    for (LiveCall* call : shard.detached) shard.calls.erase(call);
    if (shard.in_flight == 0) shard.left.notify_all();
  }
  // Cancelling may run a call's callbacks on this thread, which leave.
  for (const std::shared_ptr<LiveCall>& call : to_cancel) call->CancelForShutdown();
  to_cancel.clear();
  for (Shard& shard : shards_) {
    std::unique_lock<std::mutex> lock(shard.mu);
    shard.left.wait(lock, [&shard] { return shard.in_flight == 0; });
  }
}

}  // namespace meshup::internal
