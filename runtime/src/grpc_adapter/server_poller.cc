#include "grpc_adapter/server_poller.h"

#include "grpc_adapter/handover.h"

namespace meshup::internal {

ServerPoller::ServerPoller(grpc::ServerBuilder& builder)
    : queue_(builder.AddCompletionQueue(/*is_frequently_polled=*/true)) {}

ServerPoller::~ServerPoller() { Stop(); }

void ServerPoller::Start() {
  thread_ = std::thread([queue = queue_.get()] {
    GrpcCode in_grpc;
    void* tag;
    bool ok;
    // Nothing is ever queued: waiting is the point. Next() returns false
    // once the queue is shut down and drained.
    while (queue->Next(&tag, &ok)) {
    }
  });
}

void ServerPoller::Stop() {
  if (!thread_.joinable()) return;
  queue_->Shutdown();
  thread_.join();
}

}  // namespace meshup::internal
