#include "meshup/server.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc_adapter/server_call.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "security/authorizer.h"
#include "security/peer_authentication.h"
#include "server_impl.h"
#include "service_access.h"
#include "this_workload.h"

namespace meshup {
namespace {

// This workload as the registry lists it.
internal::WorkloadRecord Workload(const Server::Impl& impl, int port) {
  internal::WorkloadRecord workload =
      internal::ThisWorkload(impl.mesh_options, impl.identity, impl.options.host,
                             impl.options.advertise_address, port, impl.admin_port);
  workload.port = static_cast<uint32_t>(port);
  workload.labels[internal::kTlsModeLabel] = impl.serves_mtls ? "istio" : "disabled";
  workload.plaintext_port = static_cast<uint32_t>(impl.plaintext_port);
  return workload;
}

// The server's address for `port`: "host:port", IPv6 hosts in brackets.
std::string ListenAddress(const std::string& host, int port) {
  return absl::StrCat(
      host.find(':') != std::string::npos && host[0] != '[' ? absl::StrCat("[", host, "]") : host,
      ":", port);
}

// Once gRPC's server has stopped, no handler runs any more: what they did
// happened before, and the services are the caller's again.
void TakeBackServices(const Server::Impl& impl) {
  std::lock_guard<std::mutex> lock(impl.mu);
  for (const Service* service : impl.services) internal::ServiceBackFromGrpc(*service);
  if (impl.standard != nullptr) {
    for (const Service* service : impl.standard->services())
      internal::ServiceBackFromGrpc(*service);
  }
}

bool HasNonBlockingMethods(const std::vector<Service*>& services) {
  for (const Service* service : services) {
    for (const MethodInfo& method : service->info().methods) {
      if (method.non_blocking) return true;
    }
  }
  return false;
}

// The warning for a server whose services have both non-blocking unary
// methods (run on gRPC's callback threads) and others (run on its handler
// threads); empty when they do not mix. docs/performance.md measures what
// the mix costs the blocking methods.
std::string MixedMethodsWarning(const std::vector<Service*>& services, const std::string& address) {
  absl::string_view non_blocking, blocking;
  for (const Service* service : services) {
    for (const MethodInfo& method : service->info().methods) {
      (method.non_blocking ? non_blocking : blocking) = method.path;
    }
  }
  if (non_blocking.empty() || blocking.empty()) return "";
  return absl::StrCat("the server on ", address, " serves non-blocking methods (", non_blocking,
                      ") beside blocking ones (", blocking,
                      "); its blocking methods run slower than on a server without "
                      "non-blocking ones (docs/idl.md, non_blocking)");
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Shutdown();
  Wait();
}

absl::Status Server::AddService(Service& service) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot add service ", service.info().full_name, ": the server has started"));
  }
  absl::Status standard = internal::CheckNotStandard(service.info().full_name);
  if (!standard.ok()) return standard;
  for (Service* added : impl_->services) {
    if (added->info().full_name == service.info().full_name) {
      return absl::AlreadyExistsError(
          absl::StrCat("service ", service.info().full_name, " is already added"));
    }
  }
  impl_->services.push_back(&service);
  internal::ServiceAccess::SetRuntime(service, &impl_->runtime);
  std::optional<config::AuthorizationPolicy> declared = internal::AllowedCallersPolicy(
      service.info().full_name, service.info().allowed_callers, impl_->runtime.namespace_name);
  if (declared) impl_->runtime.declared_policies.emplace(&service, *std::move(declared));
  return absl::OkStatus();
}

absl::StatusOr<int> Server::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) return absl::FailedPreconditionError("the server has already started");
  const std::string address = ListenAddress(impl_->options.host, impl_->options.port);
  if (impl_->options.port < 0 || impl_->options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("ServerOptions.port ", impl_->options.port, " is not 0 to 65535"));
  }
  if (impl_->options.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError(absl::StrCat("ServerOptions.max_concurrent_streams ",
                                                   impl_->options.max_concurrent_streams,
                                                   " is not at least 1"));
  }
  const int idle_threads = std::max(1, impl_->options.idle_handler_threads);
  if (impl_->options.max_handler_threads <= idle_threads) {
    return absl::InvalidArgumentError(
        absl::StrCat("ServerOptions.max_handler_threads ", impl_->options.max_handler_threads,
                     " must be more than idle_handler_threads (", idle_threads, ")"));
  }
  for (size_t i = 0; i < impl_->options.interceptors.size(); ++i) {
    if (impl_->options.interceptors[i] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("ServerOptions.interceptors[", i, "] is null"));
    }
  }
  // PeerAuthentication decides what the ports serve, once, at start.
  const internal::PeerMode peer = internal::EffectivePeerMode(
      *impl_->runtime.config->Current(), impl_->runtime.namespace_name, impl_->runtime.labels);
  using Mode = config::PeerAuthentication::Mode;
  const std::string decided_by =
      peer.policy != nullptr ? absl::StrCat("PeerAuthentication ", peer.policy->origin.ToString())
                             : std::string("MeshUp's default");
  if (peer.mode == Mode::kStrict && impl_->identity == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot serve on ", address, ": mTLS mode is STRICT (", decided_by,
                     ") and this workload has no identity. Set MeshOptions.identity_dir "
                     "(MESHUP_IDENTITY_DIR) to a directory from `meshup ca issue`, or apply a "
                     "PeerAuthentication with spec.mtls.mode DISABLE or PERMISSIVE"));
  }
  const bool mtls = impl_->identity != nullptr && peer.mode != Mode::kDisable;
  // A PERMISSIVE workload with an identity also takes plaintext, on a port of
  // its own: gRPC serves one kind of credentials per port.
  const bool plaintext_too = mtls && peer.mode == Mode::kPermissive;
  grpc::ServerBuilder builder;
  // Two servers must not share a port: the second one's Start() fails.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, idle_threads);
  // Bounds what one caller can make the server hold: streams per connection,
  // and threads in all.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             impl_->options.max_concurrent_streams);
  grpc::ResourceQuota quota(absl::StrCat("meshup-server-", impl_->options.port));
  quota.SetMaxThreads(impl_->options.max_handler_threads);
  builder.SetResourceQuota(quota);
  int bound_port = 0;
  int plaintext_port = 0;
  builder.AddListeningPort(
      address, mtls ? impl_->identity->ServerCredentials() : grpc::InsecureServerCredentials(),
      &bound_port);
  if (plaintext_too) {
    builder.AddListeningPort(ListenAddress(impl_->options.host, 0),
                             grpc::InsecureServerCredentials(), &plaintext_port);
  }
  impl_->standard = std::make_unique<internal::StandardServices>(impl_->services, impl_->runtime);
  for (Service* service : impl_->services) {
    builder.RegisterService(internal::ServiceAccess::GrpcService(*service));
  }
  for (Service* service : impl_->standard->services()) {
    builder.RegisterService(internal::ServiceAccess::GrpcService(*service));
  }
  if (HasNonBlockingMethods(impl_->services)) {
    impl_->poller = std::make_unique<internal::ServerPoller>(builder);
  }
  impl_->grpc_server = builder.BuildAndStart();
  if (impl_->grpc_server == nullptr || bound_port == 0 || (plaintext_too && plaintext_port == 0)) {
    impl_->grpc_server.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address, ": the address is in use or not available on this host"));
  }
  if (impl_->poller != nullptr) impl_->poller->Start();
  impl_->started = true;
  impl_->port = bound_port;
  impl_->plaintext_port = plaintext_port;
  impl_->serves_mtls = mtls;
  if (impl_->registry != nullptr) {
    internal::WorkloadRecord workload = Workload(*impl_, bound_port);
    absl::Status registered = impl_->registry->Register(workload);
    if (!registered.ok()) {
      impl_->standard->SetNotServing();  // ends health watchers
      impl_->grpc_server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
      impl_->grpc_server->Wait();
      if (impl_->poller != nullptr) impl_->poller->Stop();
      impl_->shut_down = true;
      return absl::UnavailableError(absl::StrCat(
          "serving on ", address, " but cannot register in the registry: ", registered.message()));
    }
    impl_->registered_name = workload.name;
  }
  const std::string mixed =
      MixedMethodsWarning(impl_->services, ListenAddress(impl_->options.host, bound_port));
  if (!mixed.empty()) std::fprintf(stderr, "meshup: %s\n", mixed.c_str());
  impl_->ready_servers->fetch_add(1);
  return bound_port;
}

void Server::Shutdown(absl::Duration grace) {
  grpc::Server* server;
  std::string registered_name;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->started || impl_->shut_down) return;
    impl_->shut_down = true;
    impl_->ready_servers->fetch_sub(1);  // not ready from now on: /ready says 503
    impl_->standard->SetNotServing();    // and health says NOT_SERVING
    server = impl_->grpc_server.get();
    registered_name = std::move(impl_->registered_name);
  }
  // Deregister first and keep serving a moment, so that clients stop picking
  // this workload before it refuses calls.
  if (!registered_name.empty()) {
    absl::Status deregistered = impl_->registry->Deregister(registered_name);
    if (!deregistered.ok()) {
      std::fprintf(stderr, "meshup: %s\n", std::string(deregistered.message()).c_str());
    }
    absl::SleepFor(impl_->options.drain_delay);
  }
  server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  TakeBackServices(*impl_);
}

void Server::Wait() {
  grpc::Server* server;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->started) return;
    server = impl_->grpc_server.get();
  }
  server->Wait();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->poller != nullptr) impl_->poller->Stop();
  }
  TakeBackServices(*impl_);
}

int Server::port() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->port;
}

}  // namespace meshup
