// meshup_loadgen: drives unary echo calls at a server, closed or open loop,
// through a plain gRPC stub or a MeshUp generated client, and prints its
// result as one line "result <json>" (and, on request, JSON and markdown
// files).
//
//   meshup_loadgen --mode grpc --target 127.0.0.1:50051 --concurrency 32 --duration 10s
//   meshup_loadgen --mode mesh --target echo --config-dir cfg --registry-dir reg
//       --identity-dir id --rate 5000   (one command line)
//
// With --announce, "measure-start" and "measure-end" lines mark the measured
// window on stdout, so that a driver can sample every process's CPU there;
// the process then waits for SIGTERM after its result, so that the driver
// can read its peak memory.
//
// With --commands, the process connects once, prints "ready", and then runs
// what each line of stdin asks, printing a result line for each, until
// stdin ends:
//
//   closed <concurrency> <warm-up> <duration>     e.g. "closed 32 500ms 2s"
//   open <rate> <warm-up> <duration>              e.g. "open 2800 500ms 2s"
//
// Each result also holds "histogram": the run's latencies as histogram
// buckets (loadgen/report.h), so that a driver can merge the windows of
// several runs, also of load generators it restarted.
#include <signal.h>
#include <sys/prctl.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "echo/tls_files.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "loadgen/histogram.h"
#include "loadgen/load_generator.h"
#include "loadgen/report.h"
#include "meshup/mesh.h"
#include "meshup_bench/echo.meshup.h"
#include "meshup_bench/plain_echo.grpc.pb.h"

namespace {

using meshup::bench::Done;

constexpr absl::Duration kCallTimeout = absl::Seconds(5);

int Fail(const std::string& message) {
  std::fprintf(stderr, "meshup_loadgen: %s\n", message.c_str());
  return 1;
}

// The first failed call's status goes to stderr; the rest are counted.
void ReportFailure(const std::string& what) {
  static std::atomic<bool> reported{false};
  if (!reported.exchange(true)) std::fprintf(stderr, "meshup_loadgen: a call failed: %s\n", what.c_str());
}

absl::StatusOr<absl::Duration> ParseDuration(const std::string& text) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat("not a duration: '", text, "' (e.g. 10s, 500ms)"));
  }
  return duration;
}

// Calls until one succeeds (endpoints may still be appearing), for `limit`.
template <class Call>
absl::Status Probe(Call call, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  absl::Status status;
  while (absl::Now() < deadline) {
    status = call();
    if (status.ok()) return status;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return status;
}

// Issues one asynchronous Echo through a generated MeshUp client (either
// echo service's), counting a failed call; `client` and `request` must
// outlive every call.
template <class Client>
meshup::bench::IssueCall MeshIssueCall(const Client& client,
                                       const meshup_bench::EchoRequest& request,
                                       const meshup::CallOptions& options) {
  return [&client, &request, options](meshup::bench::Done done) {
    client.EchoAsync(
        request,
        [done](absl::StatusOr<meshup_bench::EchoReply> reply) {
          if (!reply.ok()) ReportFailure(reply.status().ToString());
          done(reply.ok());
        },
        options);
  };
}

// Runs the loads stdin asks for (see the top of this file); 0 when stdin
// ended after runs that all finished.
int RunCommands(meshup::bench::LoadOptions options, const meshup::bench::IssueCall& issue,
                const sigset_t* wait_for) {
  std::printf("ready\n");
  std::fflush(stdout);
  std::string line;
  for (int number = 1; std::getline(std::cin, line); ++number) {
    std::istringstream words(line);
    std::string loop, amount, warmup_text, duration_text, extra;
    words >> loop >> amount >> warmup_text >> duration_text;
    const std::string where = absl::StrCat("command ", number, " '", line, "': ");
    if (!words || (words >> extra) || (loop != "closed" && loop != "open")) {
      return Fail(absl::StrCat(where, "expected 'closed <concurrency> <warm-up> <duration>' or "
                                      "'open <rate> <warm-up> <duration>'"));
    }
    double value = 0;
    if (!absl::SimpleAtod(amount, &value) || value <= 0) {
      return Fail(absl::StrCat(where, "'", amount, "' is not a positive number"));
    }
    absl::StatusOr<absl::Duration> warmup = ParseDuration(warmup_text);
    if (!warmup.ok()) return Fail(absl::StrCat(where, warmup.status().message()));
    absl::StatusOr<absl::Duration> duration = ParseDuration(duration_text);
    if (!duration.ok()) return Fail(absl::StrCat(where, duration.status().message()));
    const bool open = loop == "open";
    options.rate = open ? value : 0;
    if (!open) options.concurrency = static_cast<int>(value);
    options.warmup = *warmup;
    options.duration = *duration;
    meshup::bench::LatencyHistogram window;
    options.also_record = &window;
    absl::StatusOr<meshup::bench::LoadResult> result = meshup::bench::RunLoad(options, issue);
    if (!result.ok()) return Fail(absl::StrCat(where, result.status().message()));
    nlohmann::json json = meshup::bench::ToJson(*result);
    json["histogram"] = meshup::bench::ToJson(window);
    std::printf("result %s\n", json.dump().c_str());
    std::fflush(stdout);
  }
  if (wait_for != nullptr) {
    int signal = 0;
    sigwait(wait_for, &signal);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The MeshUp benchmark's load generator"};
  std::string mode = "grpc", target, tls_dir, tls_name = "localhost";
  std::string service = "bench-client", config_dir, registry_dir, identity_dir;
  std::string warmup_text = "2s", duration_text = "10s", json_file, markdown_file;
  int payload = 1024;
  bool announce = false, commands = false, non_blocking = false;
  meshup::bench::LoadOptions options;
  app.add_option("--mode", mode, "grpc | grpc-tls | grpc-tls-provider | mesh")
      ->check(CLI::IsMember({"grpc", "grpc-tls", "grpc-tls-provider", "mesh"}));
  app.add_option("--target", target,
                 "host:port (grpc: several IPv4 ip:port, comma-separated, balanced round "
                 "robin), or (mesh) a service of the mesh")
      ->required();
  app.add_option("--tls-dir", tls_dir, "grpc-tls: cert.pem, key.pem, root.pem");
  app.add_option("--tls-name", tls_name, "grpc-tls: the name the server certificate must have");
  app.add_option("--service", service, "mesh: the client workload's service");
  app.add_option("--config-dir", config_dir, "mesh: the configuration directory");
  app.add_option("--registry-dir", registry_dir, "mesh: the file registry");
  app.add_option("--identity-dir", identity_dir, "mesh: the workload identity (mTLS)");
  app.add_flag("--non-blocking", non_blocking,
               "mesh: call EchoNonBlockingService (declared non_blocking) instead of EchoService");
  app.add_option("--concurrency", options.concurrency, "closed loop: calls in flight");
  app.add_option("--rate", options.rate, "open loop: calls per second (0: closed loop)");
  app.add_option("--warmup", warmup_text, "warm-up before the measured window");
  app.add_option("--duration", duration_text, "the measured window");
  app.add_option("--payload", payload, "request (and reply) payload in bytes")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", json_file, "also write the result as JSON here");
  app.add_option("--markdown", markdown_file, "also write the result as a markdown table here");
  app.add_flag("--announce", announce, "print measure-start / measure-end lines");
  app.add_flag("--commands", commands,
               "run what stdin asks, one run per line (see the top of this file)");
  CLI11_PARSE(app, argc, argv);
  // Before any thread starts, so that every thread inherits the mask.
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGTERM);
  if (announce) pthread_sigmask(SIG_BLOCK, &termination, nullptr);

  absl::StatusOr<absl::Duration> warmup = ParseDuration(warmup_text);
  if (!warmup.ok()) return Fail(warmup.status().ToString());
  absl::StatusOr<absl::Duration> duration = ParseDuration(duration_text);
  if (!duration.ok()) return Fail(duration.status().ToString());
  options.warmup = *warmup;
  options.duration = *duration;
  if (announce) {
    options.on_measure_start = [] {
      std::printf("measure-start\n");
      std::fflush(stdout);
    };
    options.on_measure_end = [] {
      std::printf("measure-end\n");
      std::fflush(stdout);
    };
  }
  // Open-loop pacing sleeps to the microsecond, not to the default 50 us slack.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  meshup_bench::EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(payload), 'x'));

  // What starts one call; the mesh or stub it uses must outlive every run's
  // calls: declared before it.
  std::unique_ptr<meshup::Mesh> mesh;
  std::unique_ptr<meshup_bench::EchoService::Client> mesh_client;
  std::unique_ptr<meshup_bench::EchoNonBlockingService::Client> mesh_non_blocking_client;
  std::unique_ptr<meshup_bench::plain::EchoService::Stub> stub;
  meshup::bench::IssueCall issue;
  if (mode == "mesh") {
    meshup::MeshOptions mesh_options;
    mesh_options.service = service;
    mesh_options.config_dir = config_dir;
    mesh_options.registry_dir = registry_dir;
    mesh_options.identity_dir = identity_dir;
    auto made = meshup::Mesh::Create(mesh_options);
    if (!made.ok()) return Fail(made.status().ToString());
    mesh = *std::move(made);
    absl::StatusOr<std::shared_ptr<meshup::Channel>> channel = mesh->Connect(target);
    if (!channel.ok()) return Fail(channel.status().ToString());
    meshup::CallOptions call_options;
    call_options.timeout = kCallTimeout;
    if (non_blocking) {
      mesh_non_blocking_client =
          std::make_unique<meshup_bench::EchoNonBlockingService::Client>(*channel);
      issue = MeshIssueCall(*mesh_non_blocking_client, request, call_options);
    } else {
      mesh_client = std::make_unique<meshup_bench::EchoService::Client>(*channel);
      issue = MeshIssueCall(*mesh_client, request, call_options);
    }
    absl::Status ready = Probe(
        [&] {
          return non_blocking ? mesh_non_blocking_client->Echo(request).status()
                              : mesh_client->Echo(request).status();
        },
        absl::Seconds(10));
    if (!ready.ok()) return Fail(absl::StrCat("no successful call in 10s: ", ready.ToString()));
  } else {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    grpc::ChannelArguments args;
    if (mode == "grpc-tls") {
      absl::StatusOr<meshup::bench::TlsFiles> files = meshup::bench::ReadTlsFiles(tls_dir);
      if (!files.ok()) return Fail(files.status().ToString());
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = files->root;
      ssl.pem_private_key = files->key;
      ssl.pem_cert_chain = files->cert;
      credentials = grpc::SslCredentials(ssl);
      args.SetSslTargetNameOverride(tls_name);
    } else if (mode == "grpc-tls-provider") {
      // The same certificates through TlsCredentials and a file watcher, as
      // MeshUp's channels set up TLS.
      auto provider = meshup::bench::WatchTlsFiles(tls_dir);
      if (!provider.ok()) return Fail(provider.status().ToString());
      grpc::experimental::TlsChannelCredentialsOptions tls;
      tls.set_certificate_provider(*provider);
      tls.watch_root_certs();
      tls.watch_identity_key_cert_pairs();
      tls.set_verify_server_certs(true);
      credentials = grpc::experimental::TlsCredentials(tls);
      args.SetSslTargetNameOverride(tls_name);
    }
    // Several replicas: one channel over all of them, balanced round robin,
    // as a plain gRPC client of a replicated service would be.
    if (target.find(',') != std::string::npos) {
      target = absl::StrCat("ipv4:", target);
      args.SetLoadBalancingPolicyName("round_robin");
    }
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(target, credentials, args);
    stub = meshup_bench::plain::EchoService::NewStub(channel);
    absl::Status ready = Probe(
        [&]() -> absl::Status {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
          meshup_bench::EchoReply reply;
          grpc::Status status = stub->Echo(&context, request, &reply);
          return status.ok() ? absl::OkStatus()
                             : absl::UnavailableError(status.error_message());
        },
        absl::Seconds(10));
    if (!ready.ok()) return Fail(absl::StrCat("no successful call in 10s: ", ready.ToString()));
    struct Call {
      grpc::ClientContext context;
      meshup_bench::EchoReply reply;
    };
    issue = [stub = stub.get(), &request](Done done) {
      auto* call = new Call;
      call->context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
      stub->async()->Echo(&call->context, &request, &call->reply,
                          [call, done](grpc::Status status) {
                            delete call;
                            if (!status.ok()) ReportFailure(status.error_message());
                            done(status.ok());
                          });
    };
  }
  if (commands) return RunCommands(options, issue, announce ? &termination : nullptr);
  absl::StatusOr<meshup::bench::LoadResult> result = meshup::bench::RunLoad(options, issue);
  if (!result.ok()) return Fail(result.status().ToString());

  const nlohmann::json json = meshup::bench::ToJson(*result);
  std::printf("result %s\n", json.dump().c_str());
  std::fflush(stdout);
  if (!json_file.empty()) std::ofstream(json_file) << json.dump(2) << "\n";
  if (!markdown_file.empty()) {
    std::ofstream(markdown_file) << meshup::bench::MarkdownHeader()
                                 << meshup::bench::MarkdownRow(*result);
  }
  if (announce) {
    int signal = 0;
    sigwait(&termination, &signal);
  }
  return 0;
}
