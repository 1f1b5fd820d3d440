#include "meshup/server.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server_impl.h"
#include "service_access.h"

namespace meshup {

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Shutdown();
  Wait();
}

absl::Status Server::AddService(Service& service) {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot add service ", service.info().full_name, ": the server has started"));
  }
  for (Service* added : impl_->services) {
    if (added->info().full_name == service.info().full_name) {
      return absl::AlreadyExistsError(
          absl::StrCat("service ", service.info().full_name, " is already added"));
    }
  }
  impl_->services.push_back(&service);
  return absl::OkStatus();
}

absl::StatusOr<int> Server::Start() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started) return absl::FailedPreconditionError("the server has already started");
  const std::string address = absl::StrCat(
      impl_->options.host.find(':') != std::string::npos ? absl::StrCat("[", impl_->options.host, "]")
                                                          : impl_->options.host,
      ":", impl_->options.port);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  for (Service* service : impl_->services) {
    builder.RegisterService(internal::ServiceAccess::GrpcService(*service));
  }
  impl_->grpc_server = builder.BuildAndStart();
  if (impl_->grpc_server == nullptr || bound_port == 0) {
    impl_->grpc_server.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address, ": the address is in use or not available on this host"));
  }
  impl_->started = true;
  impl_->port = bound_port;
  return bound_port;
}

void Server::Shutdown(absl::Duration grace) {
  grpc::Server* server;
  {
    absl::MutexLock lock(&impl_->mu);
    if (!impl_->started || impl_->shut_down) return;
    impl_->shut_down = true;
    server = impl_->grpc_server.get();
  }
  server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

void Server::Wait() {
  grpc::Server* server;
  {
    absl::MutexLock lock(&impl_->mu);
    if (!impl_->started) return;
    server = impl_->grpc_server.get();
  }
  server->Wait();
}

int Server::port() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->port;
}

}  // namespace meshup
