// What a meshup::Server holds.
#ifndef MESHUP_SRC_SERVER_IMPL_H_
#define MESHUP_SRC_SERVER_IMPL_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server.h"
#include "meshup/server.h"

namespace meshup {

struct Server::Impl {
  explicit Impl(ServerOptions server_options) : options(std::move(server_options)) {}

  const ServerOptions options;
  mutable absl::Mutex mu;
  std::vector<Service*> services ABSL_GUARDED_BY(mu);
  std::unique_ptr<grpc::Server> grpc_server ABSL_GUARDED_BY(mu);
  bool started ABSL_GUARDED_BY(mu) = false;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
  int port ABSL_GUARDED_BY(mu) = 0;
};

}  // namespace meshup

#endif  // MESHUP_SRC_SERVER_IMPL_H_
