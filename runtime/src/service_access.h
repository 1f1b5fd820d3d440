// Runtime-side access to a meshup::Service's private parts.
#ifndef MESHUP_SRC_SERVICE_ACCESS_H_
#define MESHUP_SRC_SERVICE_ACCESS_H_

#include "meshup/service.h"

namespace meshup::internal {

struct ServiceAccess {
  static grpc::Service* GrpcService(Service& service) { return service.grpc_service_.get(); }
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SERVICE_ACCESS_H_
