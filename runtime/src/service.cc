#include "meshup/service.h"

#include "grpcpp/impl/service_type.h"
#include "service_access.h"

namespace meshup {

Service::Service(const ServiceInfo& info) : info_(info) {}

Service::~Service() = default;

void Service::SetGrpcService(std::unique_ptr<grpc::Service> grpc_service) {
  grpc_service_ = std::move(grpc_service);
}

}  // namespace meshup
