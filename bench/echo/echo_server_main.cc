// meshup_bench_echo_server: the echo server of every benchmark arm, one
// process per endpoint so that its CPU and memory are its own.
//
//   --mode grpc        plain gRPC, insecure
//   --mode grpc-tls    plain gRPC, TLS requiring a client certificate (--tls-dir)
//   --mode grpc-tls-provider  the same through TlsServerCredentials and a
//                      certificate file watcher, as MeshUp servers set up TLS
//   --mode mesh        a MeshUp workload (--service/--version, --config-dir,
//                      --registry-dir, --identity-dir): registers itself and
//                      serves as its PeerAuthentication says
//
// Prints "port <n>" once serving, then serves until SIGTERM or SIGINT.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "echo/echo_impl.h"
#include "echo/tls_files.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "meshup/mesh.h"
#include "meshup_bench/echo.meshup.h"
#include "meshup_bench/plain_echo.grpc.pb.h"

namespace {

class PlainEchoService final : public meshup_bench::plain::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const meshup_bench::EchoRequest* request,
                    meshup_bench::EchoReply* reply) override {
    meshup::bench::Echo(*request, *reply);
    return grpc::Status::OK;
  }
};

// The echo of either generated MeshUp echo service (EchoService, or
// EchoNonBlockingService, whose Echo is declared non_blocking).
template <class GeneratedService>
class MeshEcho final : public GeneratedService {
 public:
  absl::Status Echo(meshup::ServerContext&, const meshup_bench::EchoRequest& request,
                    meshup_bench::EchoReply& reply) override {
    meshup::bench::Echo(request, reply);
    return absl::OkStatus();
  }
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "meshup_bench_echo_server: %s\n", message.c_str());
  return 1;
}

void Announce(int port) {
  std::printf("port %d\n", port);
  std::fflush(stdout);
}

int WaitForTermination(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"The echo server of the MeshUp benchmark"};
  std::string mode = "grpc";
  int port = 0;
  std::string tls_dir, service = "echo", version = "v1", config_dir, registry_dir, identity_dir;
  app.add_option("--mode", mode, "grpc | grpc-tls | grpc-tls-provider | mesh")
      ->check(CLI::IsMember({"grpc", "grpc-tls", "grpc-tls-provider", "mesh"}));
  app.add_option("--port", port, "port on 127.0.0.1; 0 picks a free one");
  app.add_option("--tls-dir", tls_dir, "grpc-tls: cert.pem, key.pem, root.pem");
  app.add_option("--service", service, "mesh: the workload's service");
  app.add_option("--version", version, "mesh: the workload's version");
  app.add_option("--config-dir", config_dir, "mesh: the configuration directory");
  app.add_option("--registry-dir", registry_dir, "mesh: the file registry");
  app.add_option("--identity-dir", identity_dir, "mesh: the workload identity (mTLS)");
  bool non_blocking = false;
  app.add_flag("--non-blocking", non_blocking,
               "mesh: serve EchoNonBlockingService (declared non_blocking) instead of EchoService");
  CLI11_PARSE(app, argc, argv);

  if (mode == "mesh") {
    meshup::MeshOptions options;
    options.service = service;
    options.version = version;
    options.config_dir = config_dir;
    options.registry_dir = registry_dir;
    options.identity_dir = identity_dir;
    absl::StatusOr<std::unique_ptr<meshup::Mesh>> mesh = meshup::Mesh::Create(options);
    if (!mesh.ok()) return Fail(mesh.status().ToString());
    MeshEcho<meshup_bench::EchoService::Service> echo;
    MeshEcho<meshup_bench::EchoNonBlockingService::Service> echo_non_blocking;
    meshup::ServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = port;
    std::unique_ptr<meshup::Server> server = (*mesh)->NewServer(server_options);
    absl::Status added = non_blocking ? server->AddService(echo_non_blocking)
                                      : server->AddService(echo);
    if (!added.ok()) return Fail(added.ToString());
    absl::StatusOr<int> bound = server->Start();
    if (!bound.ok()) return Fail(bound.status().ToString());
    Announce(*bound);
    WaitForTermination(signals);
    server->Shutdown();
    return 0;
  }

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (mode == "grpc-tls") {
    absl::StatusOr<meshup::bench::TlsFiles> files = meshup::bench::ReadTlsFiles(tls_dir);
    if (!files.ok()) return Fail(files.status().ToString());
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = files->root;
    ssl.pem_key_cert_pairs.push_back({files->key, files->cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else if (mode == "grpc-tls-provider") {
    auto provider = meshup::bench::WatchTlsFiles(tls_dir);
    if (!provider.ok()) return Fail(provider.status().ToString());
    grpc::experimental::TlsServerCredentialsOptions options(*provider);
    options.watch_root_certs();
    options.watch_identity_key_cert_pairs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    credentials = grpc::experimental::TlsServerCredentials(options);
  }
  PlainEchoService echo;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), credentials, &port);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Fail("cannot serve (is the port taken?)");
  Announce(port);
  WaitForTermination(signals);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
