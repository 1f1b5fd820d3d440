// Keeps one thread watching a gRPC server's connections.
//
// A gRPC server whose services have both callback methods (MeshUp's
// non-blocking methods) and synchronous ones (the rest, the standard health
// and reflection services included) gets completion queues that do not poll
// the network themselves in Debian's gRPC (1.51). Between the moments some
// thread happens to poll, a call that arrives waits: measured, about 100 ms
// once every 1.1 s on an otherwise idle server. A ServerPoller registers one
// more completion queue, which polls, and a thread that waits on it for the
// server's whole life, so that arriving calls are seen at once.
//
//   grpc::ServerBuilder builder;
//   ServerPoller poller(builder);   // before BuildAndStart()
//   server = builder.BuildAndStart();
//   poller.Start();
//   ...
//   server->Shutdown(); server->Wait();
//   poller.Stop();                  // after the server has stopped
#ifndef MESHUP_SRC_GRPC_ADAPTER_SERVER_POLLER_H_
#define MESHUP_SRC_GRPC_ADAPTER_SERVER_POLLER_H_

#include <memory>
#include <thread>

#include "grpcpp/completion_queue.h"
#include "grpcpp/server_builder.h"

namespace meshup::internal {

class ServerPoller {
 public:
  explicit ServerPoller(grpc::ServerBuilder& builder);
  // Stops the thread if Stop() was not called; the server must have stopped.
  ~ServerPoller();
  ServerPoller(const ServerPoller&) = delete;
  ServerPoller& operator=(const ServerPoller&) = delete;

  // Starts the thread, once the server is built and started.
  void Start();
  // Shuts the queue down and joins the thread; idempotent.
  void Stop();

 private:
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread thread_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_SERVER_POLLER_H_
