// Runtime-side access to a meshup::Service's private parts.
#ifndef MESHUP_SRC_SERVICE_ACCESS_H_
#define MESHUP_SRC_SERVICE_ACCESS_H_

#include "meshup/service.h"

namespace meshup::internal {

struct ServiceAccess {
  static grpc::Service* GrpcService(Service& service) { return service.grpc_service_.get(); }
  static void SetRuntime(Service& service, ServerRuntime* runtime) { service.runtime_ = runtime; }
  static ServerRuntime* Runtime(Service& service) { return service.runtime_; }
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SERVICE_ACCESS_H_
