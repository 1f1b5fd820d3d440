#include "meshup/mesh.h"

#include <sys/stat.h>

#include <cstdio>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "admin/admin_handlers.h"
#include "call/client_call_state.h"
#include "config/parse_common.h"
#include "discovery/dns_registry.h"
#include "discovery/etcd_registry.h"
#include "discovery/file_registry.h"
#include "grpc/support/log.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "http/http_server_on_loop.h"
#include "mesh_impl.h"
#include "meshup/process.h"
#include "names.h"
#include "security/transport.h"
#include "server_impl.h"
#include "this_workload.h"

namespace meshup {
namespace {

// gRPC's log lines, to stderr, less one: servers log an error for every
// TLS connection whose SNI (the address the client dialed) matches no DNS
// name of their certificate. Workload certificates name a SPIFFE ID, not a
// host, and clients check that ID themselves, so the line is only noise.
void LogGrpcMessage(gpr_log_func_args* args) {
  if (absl::StrContains(args->message, "No match found for server name")) return;
  std::fprintf(stderr, "%s %s:%d] %s\n", gpr_log_severity_string(args->severity), args->file,
               args->line, args->message);
}

// gRPC's log goes through LogGrpcMessage from the first Mesh on.
void FilterGrpcLog() {
  static absl::once_flag once;
  absl::call_once(once, [] { gpr_set_log_function(LogGrpcMessage); });
}

// A channel to one endpoint, secured as its TlsPolicy and tlsMode label say:
// mTLS verifying its SPIFFE ID, or plaintext; an error when the endpoint
// needs mTLS and this workload has no identity (never plaintext instead).
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewGrpcChannel(
    const internal::EndpointInfo& endpoint, const internal::WorkloadIdentity* identity) {
  grpc::ChannelArguments args;
  // The mesh decides about retries itself (IDL and route policies); gRPC's
  // own retries would multiply them.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  switch (internal::ChooseTransport(endpoint, identity != nullptr)) {
    case internal::Transport::kPlaintext:
      return grpc::CreateCustomChannel(endpoint.address, grpc::InsecureChannelCredentials(), args);
    case internal::Transport::kPlaintextPort:
      return grpc::CreateCustomChannel(endpoint.plaintext_address,
                                       grpc::InsecureChannelCredentials(), args);
    case internal::Transport::kNeedsIdentity:
      return absl::FailedPreconditionError(absl::StrCat(
          "calls to ", endpoint.address,
          " need mTLS (the workload requires it, or a DestinationRule says ISTIO_MUTUAL) but "
          "this workload has no identity: set MeshOptions.identity_dir (MESHUP_IDENTITY_DIR) to "
          "a directory from `meshup ca issue`, or set the destination's DestinationRule "
          "trafficPolicy.tls.mode to DISABLE"));
    case internal::Transport::kMtls:
      break;
  }
  std::string expected;
  if (!endpoint.service_account.empty()) {
    expected = internal::SpiffeId{identity->id().trust_domain, endpoint.namespace_name,
                                  endpoint.service_account}
                   .ToString();
  }
  return grpc::CreateCustomChannel(endpoint.address, identity->ChannelCredentials(expected), args);
}

// Serves the admin endpoints on the Mesh's loop; logs where.
absl::Status StartAdmin(Mesh::Impl& impl) {
  internal::AdminSources sources;
  sources.metrics = &impl.telemetry->metrics();
  sources.config = impl.config.get();
  sources.clusters = impl.clusters.get();
  // Ready: no server made yet (a client-only workload), or one serving and
  // registered.
  sources.ready = [&impl] { return impl.servers.load() == 0 || impl.ready_servers.load() > 0; };
  HttpServerOptions options;
  options.worker_threads = 1;
  options.max_connections = 64;
  impl.admin = internal::NewHttpServerOnLoop(*impl.loop, options);
  impl.admin->HandlePrefix("/", [sources](const HttpRequest& request) {
    return internal::HandleAdminRequest(sources, request);
  });
  absl::StatusOr<int> port = impl.admin->Start(impl.options.admin_host, impl.options.admin_port);
  if (!port.ok()) {
    return absl::Status(port.status().code(),
                        absl::StrCat("admin server (MeshOptions.admin_host/admin_port): ",
                                     port.status().message()));
  }
  impl.admin_port = *port;
  std::fprintf(stderr, "meshup: %s %s admin on http://%s:%d\n", impl.options.service.c_str(),
               impl.options.version.c_str(), impl.options.admin_host.c_str(), *port);
  return absl::OkStatus();
}

absl::Status ValidateOptions(const MeshOptions& options) {
  if (!internal::IsDns1123Label(options.service)) {
    return absl::InvalidArgumentError(
        absl::StrCat("MeshOptions.service '", options.service,
                     "' is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)"));
  }
  if (!internal::IsLabelValue(options.version) || options.version.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MeshOptions.version '", options.version,
                     "' is not a label value (letters, digits, '-', '_' and '.', at most 63)"));
  }
  if (!internal::IsDns1123Label(options.namespace_name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MeshOptions.namespace_name '", options.namespace_name, "' is not a DNS-1123 label"));
  }
  if (!options.config_dir.empty()) {
    struct stat info;
    if (stat(options.config_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return absl::NotFoundError(
          absl::StrCat("MeshOptions.config_dir '", options.config_dir, "' is not a directory"));
    }
  }
  for (size_t i = 0; i < options.client_interceptors.size(); ++i) {
    if (options.client_interceptors[i] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("MeshOptions.client_interceptors[", i, "] is null"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Channel::Channel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Channel::~Channel() = default;
absl::string_view Channel::target() const { return impl_->target; }

Mesh::Impl::~Impl() {
  // Calls in flight use the router, the cluster manager and telemetry:
  // cancel them, and wait for their callbacks. Streams the user still holds
  // detach from the Mesh.
  live_calls->Close();
  // The admin server reads everything below: it goes first.
  admin.reset();
  // No reload may reach the cluster manager once it is going, nor the
  // registry once the manager (whose watches use it) is gone.
  if (config) config->StopWatching();
  router.reset();
  clusters.reset();
  registry.reset();
  config.reset();
  loop.reset();
  telemetry.reset();  // last: writes out queued spans and log lines
}

Mesh::Mesh(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mesh::~Mesh() = default;

const MeshOptions& Mesh::options() const { return impl_->options; }
int Mesh::admin_port() const { return impl_->admin_port; }

absl::StatusOr<std::unique_ptr<Mesh>> Mesh::Create(MeshOptions options) {
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  // Before the threads below (the loop's, gRPC's) first allocate; the
  // program's own settings stand when it chose them first.
  ConfigureProcess(ProcessSettings()).IgnoreError();
  FilterGrpcLog();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->loop = std::make_unique<internal::EventLoop>();
  if (impl->options.config_dir.empty()) {
    impl->config = std::make_unique<config::ConfigSource>();
  } else {
    auto source = config::ConfigSource::Watch(impl->options.config_dir, *impl->loop);
    if (!source.ok()) return source.status();
    impl->config = *std::move(source);
  }
  if (!impl->options.identity_dir.empty()) {
    auto identity = internal::WorkloadIdentity::Load(impl->options.identity_dir);
    if (!identity.ok()) return identity.status();
    impl->identity = *std::move(identity);
  }
  std::string registry_dir = impl->options.registry_dir;
  // Held: a reload may swap the source's snapshot while Create() reads this one.
  const std::shared_ptr<const config::Snapshot> snapshot = impl->config->Current();
  const config::MeshConfig& mesh_config = snapshot->mesh;
  if (registry_dir.empty() &&
      mesh_config.registry.type == config::MeshConfig::Registry::Type::kFile) {
    registry_dir = mesh_config.registry.directory;
  }
  using RegistryType = config::MeshConfig::Registry::Type;
  if (!registry_dir.empty()) {
    auto registry = internal::FileRegistry::Open(registry_dir, *impl->loop);
    if (!registry.ok()) return registry.status();
    impl->registry = *std::move(registry);
  } else if (mesh_config.registry.type == RegistryType::kEtcd) {
    internal::EtcdOptions etcd;
    etcd.endpoints = mesh_config.registry.endpoints;
    etcd.prefix = mesh_config.registry.prefix;
    auto registry = internal::EtcdRegistry::Open(std::move(etcd));
    if (!registry.ok()) return registry.status();
    impl->registry = *std::move(registry);
  } else if (mesh_config.registry.type == RegistryType::kDns) {
    internal::DnsOptions dns;
    dns.name_template = mesh_config.registry.name_template;
    dns.namespace_name = impl->options.namespace_name;
    dns.port = mesh_config.registry.port;
    auto registry = internal::DnsRegistry::Open(std::move(dns));
    if (!registry.ok()) return registry.status();
    impl->registry = *std::move(registry);
  }
  internal::TelemetryOptions telemetry;
  telemetry.self.app = impl->options.service;
  telemetry.self.version = impl->options.version;
  telemetry.self.workload = internal::WorkloadName(impl->options.service, impl->options.version);
  telemetry.self.namespace_name = impl->options.namespace_name;
  if (impl->identity != nullptr) {
    telemetry.self.principal = impl->identity->id().ToString();
    telemetry.trust_domain = impl->identity->id().trust_domain;
  }
  telemetry.sampling_percent = mesh_config.telemetry.sampling_percent;
  telemetry.otlp_endpoint = mesh_config.telemetry.otlp_endpoint;
  telemetry.trace_file = mesh_config.telemetry.trace_file;
  telemetry.access_log_file = mesh_config.telemetry.access_log_file;
  telemetry.rotation.max_bytes = static_cast<uint64_t>(mesh_config.telemetry.rotation_max_bytes);
  telemetry.rotation.max_files = mesh_config.telemetry.rotation_max_files;
  telemetry.max_series = static_cast<size_t>(mesh_config.telemetry.max_series);
  impl->telemetry =
      std::make_unique<internal::Telemetry>(std::move(telemetry), internal::Random::Real());
  impl->telemetry->metrics().AddCounter({"meshup_authorization_denied_total",
                                         "Calls refused by an AuthorizationPolicy.",
                                         &impl->authorization_denied});
  impl->telemetry->metrics().AddCounter(
      {"meshup_config_reload_failures_total",
       "Configuration updates rejected; the last good configuration stayed.",
       &impl->config->reload_failures_counter()});

  internal::MeshIdentity identity;
  identity.service = impl->options.service;
  identity.namespace_name = impl->options.namespace_name;
  identity.labels = {{"app", impl->options.service}, {"version", impl->options.version}};
  impl->clusters = std::make_unique<internal::ClusterManager>(
      *impl->config, impl->registry.get(),
      [identity = impl->identity.get()](const internal::EndpointInfo& endpoint) {
        return NewGrpcChannel(endpoint, identity);
      },
      internal::Clock::Real(), internal::Random::Real());
  impl->router = std::make_unique<internal::Router>(*impl->config, *impl->clusters,
                                                    std::move(identity), internal::Random::Real());
  if (impl->options.admin_port >= 0) {
    absl::Status started = StartAdmin(*impl);
    if (!started.ok()) return started;
  }
  return std::unique_ptr<Mesh>(new Mesh(std::move(impl)));
}

absl::StatusOr<std::shared_ptr<Channel>> Mesh::Connect(absl::string_view target) {
  auto channel = std::make_unique<Channel::Impl>();
  channel->target = std::string(target);
  channel->telemetry = impl_->telemetry.get();
  channel->namespace_name = impl_->options.namespace_name;
  channel->live_calls = impl_->live_calls;
  channel->router = impl_->router.get();
  channel->clusters = impl_->clusters.get();
  channel->interceptors = impl_->options.client_interceptors;
  if (target.find(':') != absl::string_view::npos) {
    absl::Status valid = internal::ValidateHostPort(target);
    if (!valid.ok()) return valid;
    channel->cluster = impl_->clusters->ForAddress(channel->target);
  } else {
    std::optional<std::string> host = config::MeshHostName(target, impl_->options.namespace_name);
    if (!host) {
      return absl::InvalidArgumentError(
          absl::StrCat("target '", target,
                       "' is neither a service of the mesh (a DNS name such as reviews or "
                       "reviews.default.svc.cluster.local) nor host:port"));
    }
    channel->cluster = impl_->clusters->Get(*host);  // watches its endpoints from now on
  }
  return internal::ChannelAccess::Make(std::move(channel));
}

std::unique_ptr<Server> Mesh::NewServer(ServerOptions options) {
  auto server = std::make_unique<Server::Impl>(std::move(options));
  server->registry = impl_->registry.get();
  server->mesh_options = impl_->options;
  server->runtime.config = impl_->config.get();
  server->runtime.labels = {{"app", impl_->options.service}, {"version", impl_->options.version}};
  server->runtime.namespace_name = impl_->options.namespace_name;
  server->identity = impl_->identity.get();
  server->runtime.telemetry = impl_->telemetry.get();
  server->runtime.denied = &impl_->authorization_denied;
  server->runtime.interceptors = server->options.interceptors;
  server->admin_port = impl_->admin_port;
  server->ready_servers = &impl_->ready_servers;
  impl_->servers.fetch_add(1);
  return std::unique_ptr<Server>(new Server(std::move(server)));
}

namespace {

class RegistryEntry final : public Registration {
 public:
  RegistryEntry(internal::Registry* registry, std::string name)
      : registry_(registry), name_(std::move(name)) {}
  ~RegistryEntry() override {
    if (registry_ == nullptr) return;
    absl::Status deregistered = registry_->Deregister(name_);
    if (!deregistered.ok()) {
      std::fprintf(stderr, "meshup: %s\n", std::string(deregistered.message()).c_str());
    }
  }

 private:
  internal::Registry* const registry_;  // null: nothing listed
  const std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Registration>> Mesh::RegisterHttpServer(const std::string& host,
                                                                       int port) {
  if (port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("RegisterHttpServer: port ", port, " is not 1 to 65535"));
  }
  if (impl_->registry == nullptr) return std::make_unique<RegistryEntry>(nullptr, "");
  internal::WorkloadRecord workload = internal::ThisWorkload(impl_->options, impl_->identity.get(),
                                                             host, "", port, impl_->admin_port);
  workload.http_port = static_cast<uint32_t>(port);
  workload.labels[internal::kTlsModeLabel] = "disabled";  // plain HTTP
  absl::Status registered = impl_->registry->Register(workload);
  if (!registered.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot register the HTTP server on port ", port, ": ", registered.message()));
  }
  return std::make_unique<RegistryEntry>(impl_->registry.get(), workload.name);
}

}  // namespace meshup
