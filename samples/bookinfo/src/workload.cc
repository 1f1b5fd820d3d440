#include "workload.h"

#include <signal.h>

#include <cstdio>

#include "meshup/environment.h"

namespace bookinfo {
namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t signals = TerminationSignals();
  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  return signal;
}

absl::StatusOr<Workload> StartWorkload(const std::string& service, int port) {
  meshup::MeshOptions mesh_defaults;
  mesh_defaults.service = service;
  absl::StatusOr<meshup::MeshOptions> mesh_options =
      meshup::MeshOptionsFromEnvironment(mesh_defaults);
  if (!mesh_options.ok()) return mesh_options.status();
  meshup::ServerOptions server_defaults;
  server_defaults.port = port;
  absl::StatusOr<meshup::ServerOptions> server_options =
      meshup::ServerOptionsFromEnvironment(server_defaults);
  if (!server_options.ok()) return server_options.status();
  absl::StatusOr<std::unique_ptr<meshup::Mesh>> mesh = meshup::Mesh::Create(*mesh_options);
  if (!mesh.ok()) return mesh.status();
  return Workload{*std::move(mesh), *std::move(server_options)};
}

void AnnounceServing(const meshup::Mesh& mesh, const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  std::printf("serving %s %s on %s%s%s:%d\n", mesh.options().service.c_str(),
              mesh.options().version.c_str(), ipv6 ? "[" : "", host.c_str(), ipv6 ? "]" : "", port);
  std::fflush(stdout);
}

int Fail(const char* program, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", program, status.ToString().c_str());
  return 1;
}

int RunGrpcWorkload(
    const char* program, const std::string& service,
    const std::function<absl::StatusOr<std::unique_ptr<meshup::Service>>(meshup::Mesh&)>&
        make_service) {
  BlockTerminationSignals();
  absl::StatusOr<Workload> workload = StartWorkload(service, 0);
  if (!workload.ok()) return Fail(program, workload.status());
  absl::StatusOr<std::unique_ptr<meshup::Service>> implementation = make_service(*workload->mesh);
  if (!implementation.ok()) return Fail(program, implementation.status());
  std::unique_ptr<meshup::Server> server = workload->mesh->NewServer(workload->server);
  if (absl::Status added = server->AddService(**implementation); !added.ok()) {
    return Fail(program, added);
  }
  absl::StatusOr<int> port = server->Start();
  if (!port.ok()) return Fail(program, port.status());
  AnnounceServing(*workload->mesh, workload->server.host, *port);
  WaitForTerminationSignal();
  server->Shutdown();
  return 0;
}

}  // namespace bookinfo
