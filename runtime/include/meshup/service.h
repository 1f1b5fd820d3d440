// The base of every generated service (`Svc::Service`).
//
// A generated service declares one virtual handler per method; the user
// derives from it and overrides the handlers. Each handler returns an
// absl::Status that the caller receives as the call's status; a method the
// user does not override answers UNIMPLEMENTED. Handlers run on the server's
// RPC threads, several at once: they must be thread-safe.
//
// Every handler runs inside the runtime's wrapper (RunServerCall), the one
// place where the caller's identity, authorization and telemetry apply: a
// call that the configuration's AuthorizationPolicy refuses gets
// PERMISSION_DENIED and never reaches the handler; a handler's exception
// becomes INTERNAL. A Service is added to one Server and must outlive it.
#ifndef MESHUP_SERVICE_H_
#define MESHUP_SERVICE_H_

#include <memory>

#include "meshup/method_info.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace meshup {

namespace internal {
struct ServiceAccess;
struct ServerRuntime;
}  // namespace internal

class Service {
 public:
  virtual ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const ServiceInfo& info() const { return info_; }

 protected:
  explicit Service(const ServiceInfo& info);
  // Called once by the generated constructor: the gRPC service that
  // dispatches incoming calls to this service's handlers.
  void SetGrpcService(std::unique_ptr<grpc::Service> grpc_service);

 private:
  friend struct internal::ServiceAccess;
  const ServiceInfo& info_;
  std::unique_ptr<grpc::Service> grpc_service_;
  internal::ServerRuntime* runtime_ = nullptr;  // set when added to a Server
};

}  // namespace meshup

#endif  // MESHUP_SERVICE_H_
