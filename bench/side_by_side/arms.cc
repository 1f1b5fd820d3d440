#include "side_by_side/arms.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "free_port.h"
#include "loadgen/report.h"
#include "nlohmann/json.hpp"
#include "security/certificate_authority.h"
#include "side_by_side/localhost_cert.h"
#include "side_by_side/proc_stats.h"
#include "subprocess.h"

namespace meshup::bench {
namespace {

using testing::Subprocess;

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kStopTimeout = absl::Seconds(5);

// The routing of the mesh arms: the full pipeline. The second match is
// mesh-mtls-non-blocking's (arm 4 matches the first).
constexpr char kMeshRouting[] = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  http:
  - name: echo
    match:
    - uri: {prefix: /meshup_bench.EchoService/}
    - uri: {prefix: /meshup_bench.EchoNonBlockingService/}
    route:
    - destination: {host: echo, subset: v1}
      weight: 50
    - destination: {host: echo, subset: v2}
      weight: 50
    timeout: 5s
    retries: {attempts: 2, perTryTimeout: 2s, retryOn: unavailable}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo}
spec:
  host: echo
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
$TLS
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: $MODE}
)";

absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.close();
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

absl::Status MakeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot make ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Issue(const std::string& ca, const std::string& out,
                                  const std::string& service_account) {
  internal::IssueOptions options;
  options.id.namespace_name = "default";
  options.id.service_account = service_account;
  options.ttl = absl::Hours(24);
  absl::StatusOr<internal::SpiffeId> issued = internal::IssueWorkloadCertificate(ca, out, options);
  if (!issued.ok()) return issued.status();
  return out;
}

// A started process of the arm, with its stderr in a log file.
struct Process {
  std::string role;
  std::string log;
  std::unique_ptr<Subprocess> subprocess;
  bool is_nginx = false;
  std::vector<pid_t> workers;  // nginx: its worker processes
};

// Starts argv with stderr appended to `log` (through `exec`, so that the pid
// is the program's own).
absl::StatusOr<Process> StartProcess(std::string role, const std::vector<std::string>& argv,
                                     const std::string& log,
                                     const Subprocess::Options& options = Subprocess::Options()) {
  std::vector<std::string> wrapped = {"/bin/sh", "-c",
                                      "exec \"$0\" \"$@\" 2>>\"$MESHUP_BENCH_LOG\""};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  setenv("MESHUP_BENCH_LOG", log.c_str(), 1);
  absl::StatusOr<std::unique_ptr<Subprocess>> started = Subprocess::Start(wrapped, options);
  if (!started.ok()) return started.status();
  Process process;
  process.role = std::move(role);
  process.log = log;
  process.subprocess = *std::move(started);
  return process;
}

absl::Status WithLog(const absl::Status& status, const Process& process) {
  return absl::Status(
      status.code(),
      absl::StrCat(
          process.role, ": ", status.message(), "; its stderr (", process.log,
          "):", absl::StrReplaceAll("\n" + testing::LogTail(process.log, 15), {{"\n", "\n    "}})));
}

// Whether something accepts connections on 127.0.0.1:port.
bool Connects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// Everything one run started; stops it all when destroyed: the client, then
// the sidecars, then the servers, each with a bounded wait, and SIGKILL
// (Subprocess's destructor) for whatever outlives it.
class RunProcesses {
 public:
  ~RunProcesses() {
    for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) Stop(*it);
  }
  Process& Add(Process process) {
    processes_.push_back(std::move(process));
    return processes_.back();
  }
  std::vector<Process>& all() { return processes_; }

 private:
  static void Stop(Process& process) {
    if (process.subprocess == nullptr) return;
    if (process.is_nginx) {
      for (pid_t worker : ChildrenOf(process.subprocess->pid())) process.workers.push_back(worker);
    }
    absl::StatusOr<int> stopped = process.subprocess->Stop(SIGTERM, kStopTimeout);
    if (!stopped.ok()) {
      for (pid_t worker : process.workers) kill(worker, SIGKILL);
    }
    process.subprocess.reset();  // SIGKILL and reap if still there
  }
  // Servers first, then sidecars, then the client: stopped in reverse.
  std::vector<Process> processes_;
};

std::string NginxConfig(const Environment& environment, const std::string& dir, int workers,
                        const std::string& server_block) {
  std::string user = geteuid() == 0 ? "user root;\n" : "";
  return absl::StrCat(
      user, "worker_processes ", workers, ";\n", "pid ", dir, "/nginx.pid;\n", "error_log ", dir,
      "/error.log warn;\n", "events { worker_connections 4096; }\n", "http {\n",
      "  access_log off;\n", "  client_body_temp_path ", dir, "/body;\n", "  proxy_temp_path ", dir,
      "/proxy;\n", "  fastcgi_temp_path ", dir, "/fastcgi;\n", "  uwsgi_temp_path ", dir,
      "/uwsgi;\n", "  scgi_temp_path ", dir, "/scgi;\n", "  http2_max_requests 1000000;\n",
      "  keepalive_requests 1000000;\n", server_block, "}\n");
  (void)environment;
}

// Starts one nginx whose http block holds `server_block(port)`, on a port
// FreePort() picks; returns it and the port. An nginx whose port another
// process took in between starts again on another port, up to 3 times.
absl::StatusOr<std::pair<Process, int>> StartNginx(
    const Environment& environment, const std::string& run_dir, const std::string& name,
    const std::string& role, absl::FunctionRef<std::string(int port)> server_block) {
  const std::string dir = absl::StrCat(run_dir, "/", name);
  if (absl::Status made = MakeDirectory(dir); !made.ok()) return made;
  const std::string conf = absl::StrCat(dir, "/nginx.conf");
  absl::Status failed;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const int port = testing::FreePort();
    absl::Status written = WriteFile(
        conf, NginxConfig(environment, dir, environment.nginx_workers, server_block(port)));
    if (!written.ok()) return written;
    absl::StatusOr<Process> nginx =
        StartProcess(role,
                     {environment.nginx, "-p", dir, "-c", conf, "-e",
                      absl::StrCat(dir, "/error.log"), "-g", "daemon off;"},
                     absl::StrCat(dir, "/stderr.log"));
    if (!nginx.ok()) return nginx.status();
    nginx->is_nginx = true;
    nginx->log = absl::StrCat(dir, "/error.log");
    // nginx forks its workers only once it has bound every listen address,
    // so workers and an open port mean the port is this nginx's, not another
    // process's that took it first (nginx then exits: Unavailable).
    const pid_t master = nginx->subprocess->pid();
    const absl::Status up = testing::WaitUntilAnswering(
        *nginx->subprocess, [&] { return !ChildrenOf(master).empty() && Connects(port); },
        kStartTimeout);
    if (up.ok()) return std::make_pair(*std::move(nginx), port);
    // This nginx never reaches the run's list: stop it and its workers here
    // (a SIGKILLed master leaves its workers running).
    const std::vector<pid_t> workers = ChildrenOf(nginx->subprocess->pid());
    if (!nginx->subprocess->ExitStatus() && !nginx->subprocess->Stop(SIGTERM, kStopTimeout).ok()) {
      for (pid_t worker : workers) kill(worker, SIGKILL);
    }
    failed = WithLog(absl::Status(up.code(), absl::StrCat("on port ", port, ": ", up.message())),
                     *nginx);
    if (!absl::IsUnavailable(up)) break;
  }
  return failed;
}

// Starts an echo server; returns it and its port.
absl::StatusOr<std::pair<Process, int>> StartServer(const Environment& environment,
                                                    const std::string& run_dir, std::string role,
                                                    std::vector<std::string> args) {
  const std::string log =
      absl::StrCat(run_dir, "/", absl::StrReplaceAll(role, {{" ", "-"}, {"#", ""}}), ".log");
  args.insert(args.begin(), absl::StrCat(environment.bin_dir, "/meshup_bench_echo_server"));
  absl::StatusOr<Process> server = StartProcess(std::move(role), args, log);
  if (!server.ok()) return server.status();
  absl::StatusOr<std::string> port = server->subprocess->WaitForLine("port ", kStartTimeout);
  if (!port.ok()) return WithLog(port.status(), *server);
  return std::make_pair(*std::move(server), std::stoi(*port));
}

struct Sample {
  std::vector<std::pair<std::string, pid_t>> pids;  // role, pid
  std::vector<double> cpu;
};

// The CPU time of every process of the run now (nginx workers included).
Sample SampleCpu(std::vector<Process>& processes) {
  Sample sample;
  for (Process& process : processes) {
    const pid_t pid = process.subprocess->pid();
    sample.pids.emplace_back(process.role, pid);
    if (process.is_nginx) {
      process.workers = ChildrenOf(pid);
      for (pid_t worker : process.workers) {
        sample.pids.emplace_back(absl::StrCat(process.role, " worker"), worker);
      }
    }
  }
  for (const auto& [role, pid] : sample.pids) sample.cpu.push_back(CpuSeconds(pid).value_or(0));
  return sample;
}

}  // namespace

const std::vector<Arm>& AllArms() {
  static const auto* arms = new std::vector<Arm>{
      {"grpc", "1. plain gRPC, insecure"},
      {"grpc-tls", "2. plain gRPC, TLS (client certificates)"},
      {"mesh-plaintext", "3. MeshUp, mTLS disabled"},
      {"mesh-mtls", "4. MeshUp, mTLS + full pipeline"},
      {"nginx", "5. sidecar pair: nginx -> mTLS -> nginx"},
  };
  return *arms;
}

const Arm* FindArm(absl::string_view id) {
  static const auto* extra_arms = new std::vector<Arm>{
      {"grpc-tls-provider", "2b. plain gRPC, TLS through TlsCredentials and a file watcher"},
      {"mesh-mtls-non-blocking", "4b. MeshUp as 4, the handler declared non_blocking"},
  };
  for (const std::vector<Arm>* arms : {&AllArms(), extra_arms}) {
    for (const Arm& arm : *arms) {
      if (arm.id == id) return &arm;
    }
  }
  return nullptr;
}

absl::Status PrepareEnvironment(Environment& environment) {
  const std::string ca = absl::StrCat(environment.work_dir, "/ca");
  internal::CaOptions ca_options;
  ca_options.ttl = absl::Hours(24 * 7);
  ca_options.overwrite = true;
  if (absl::Status made = internal::InitCa(ca, ca_options); !made.ok()) return made;
  absl::StatusOr<std::string> server =
      Issue(ca, absl::StrCat(environment.work_dir, "/id-echo"), "echo");
  if (!server.ok()) return server.status();
  absl::StatusOr<std::string> client =
      Issue(ca, absl::StrCat(environment.work_dir, "/id-client"), "bench-client");
  if (!client.ok()) return client.status();
  environment.server_identity = *server;
  environment.client_identity = *client;
  environment.localhost_tls = absl::StrCat(environment.work_dir, "/localhost");
  if (absl::Status issued = IssueLocalhostCertificate(ca, environment.localhost_tls);
      !issued.ok()) {
    return issued;
  }
  environment.mesh_mtls_config = absl::StrCat(environment.work_dir, "/config-mtls");
  environment.mesh_plaintext_config = absl::StrCat(environment.work_dir, "/config-plaintext");
  for (const auto& [dir, tls, mode] :
       {std::tuple{environment.mesh_mtls_config, "", "STRICT"},
        std::tuple{environment.mesh_plaintext_config, "    tls: {mode: DISABLE}", "DISABLE"}}) {
    if (absl::Status made = MakeDirectory(dir); !made.ok()) return made;
    const std::string routing = absl::StrReplaceAll(
        kMeshRouting, {{"$TLS\n", tls[0] ? absl::StrCat(tls, "\n") : ""}, {"$MODE", mode}});
    if (absl::Status written = WriteFile(absl::StrCat(dir, "/echo.yaml"), routing); !written.ok()) {
      return written;
    }
  }
  return absl::OkStatus();
}

struct RunningArm::Processes {
  RunProcesses all;
  Process* loadgen = nullptr;  // in `all`
};

RunningArm::RunningArm(const Arm& arm, std::unique_ptr<Processes> processes)
    : arm_(arm), processes_(std::move(processes)) {}

RunningArm::~RunningArm() = default;

absl::StatusOr<std::unique_ptr<RunningArm>> RunningArm::Start(const Environment& environment,
                                                              const Arm& arm, int payload) {
  static std::atomic<int> next_arm{0};
  const std::string run_dir = absl::StrCat(environment.work_dir, "/arm-", next_arm++, "-", arm.id);
  if (absl::Status made = MakeDirectory(run_dir); !made.ok()) return made;
  auto owned = std::make_unique<Processes>();
  RunProcesses& processes = owned->all;

  std::vector<std::string> client = {absl::StrCat(environment.bin_dir, "/meshup_loadgen")};
  const std::string& tls = environment.localhost_tls;
  // Every arm serves from the same number of replicas, one process each
  // (as many as the mesh arms' subsets hold), so that the arms differ in
  // what carries the calls, not in how many processes share the machine.
  const int replicas = Replicas(environment);
  if (arm.id == "grpc" || arm.id == "grpc-tls" || arm.id == "grpc-tls-provider") {
    const bool secure = arm.id != "grpc";
    std::vector<std::string> args = {"--mode", arm.id};
    if (secure) args.insert(args.end(), {"--tls-dir", tls});
    std::vector<std::string> targets;
    for (int i = 1; i <= replicas; ++i) {
      absl::StatusOr<std::pair<Process, int>> server =
          StartServer(environment, run_dir, absl::StrCat("server #", i), args);
      if (!server.ok()) return server.status();
      processes.Add(std::move(server->first));
      targets.push_back(absl::StrCat("127.0.0.1:", server->second));
    }
    // One channel over every replica, balanced round robin by gRPC.
    client.insert(client.end(), {"--mode", arm.id, "--target", absl::StrJoin(targets, ",")});
    if (secure) client.insert(client.end(), {"--tls-dir", tls});
  } else if (arm.id == "mesh-plaintext" || arm.id == "mesh-mtls" ||
             arm.id == "mesh-mtls-non-blocking") {
    const bool mtls = arm.id != "mesh-plaintext";
    const bool non_blocking = arm.id == "mesh-mtls-non-blocking";
    const std::string config =
        mtls ? environment.mesh_mtls_config : environment.mesh_plaintext_config;
    const std::string registry = absl::StrCat(run_dir, "/registry");
    if (absl::Status made = MakeDirectory(registry); !made.ok()) return made;
    for (const char* version : {"v1", "v2"}) {
      for (int i = 1; i <= environment.endpoints_per_subset; ++i) {
        std::vector<std::string> args = {"--mode",         "mesh",  "--service",    "echo",
                                         "--version",      version, "--config-dir", config,
                                         "--registry-dir", registry};
        if (mtls) args.insert(args.end(), {"--identity-dir", environment.server_identity});
        if (non_blocking) args.push_back("--non-blocking");
        absl::StatusOr<std::pair<Process, int>> server = StartServer(
            environment, run_dir, absl::StrCat("server ", version, " #", i), std::move(args));
        if (!server.ok()) return server.status();
        processes.Add(std::move(server->first));
      }
    }
    client.insert(client.end(), {"--mode", "mesh", "--target", "echo", "--config-dir", config,
                                 "--registry-dir", registry});
    if (mtls) client.insert(client.end(), {"--identity-dir", environment.client_identity});
    if (non_blocking) client.push_back("--non-blocking");
  } else if (arm.id == "nginx") {
    // Each replica behind its own server-side sidecar, as a sidecar mesh
    // deploys them; the client's sidecar balances over the replicas' sidecars.
    std::vector<std::string> upstreams;
    for (int i = 1; i <= replicas; ++i) {
      absl::StatusOr<std::pair<Process, int>> server =
          StartServer(environment, run_dir, absl::StrCat("server #", i), {"--mode", "grpc"});
      if (!server.ok()) return server.status();
      processes.Add(std::move(server->first));
      const int app = server->second;
      absl::StatusOr<std::pair<Process, int>> inbound_sidecar = StartNginx(
          environment, run_dir, absl::StrCat("nginx-inbound-", i),
          absl::StrCat("sidecar (server side) #", i), [&](int inbound) {
            return absl::StrCat("  upstream app { server 127.0.0.1:", app, "; keepalive 64; }\n",
                                "  server {\n    listen 127.0.0.1:", inbound, " ssl http2;\n",
                                "    ssl_certificate ", tls, "/cert.pem;\n    ssl_certificate_key ",
                                tls, "/key.pem;\n    ssl_client_certificate ", tls, "/root.pem;\n",
                                "    ssl_verify_client on;\n",
                                "    location / { grpc_pass grpc://app; }\n  }\n");
          });
      if (!inbound_sidecar.ok()) return inbound_sidecar.status();
      processes.Add(std::move(inbound_sidecar->first));
      upstreams.push_back(absl::StrCat("server 127.0.0.1:", inbound_sidecar->second, ";"));
    }
    absl::StatusOr<std::pair<Process, int>> outbound_sidecar = StartNginx(
        environment, run_dir, "nginx-outbound", "sidecar (client side)", [&](int outbound) {
          return absl::StrCat("  upstream remote { ", absl::StrJoin(upstreams, " "),
                              " keepalive 64; }\n", "  server {\n    listen 127.0.0.1:", outbound,
                              " http2;\n", "    location / {\n      grpc_pass grpcs://remote;\n",
                              "      grpc_ssl_certificate ", tls, "/cert.pem;\n",
                              "      grpc_ssl_certificate_key ", tls, "/key.pem;\n",
                              "      grpc_ssl_trusted_certificate ", tls, "/root.pem;\n",
                              "      grpc_ssl_verify on;\n      grpc_ssl_name localhost;\n",
                              "      grpc_ssl_session_reuse on;\n    }\n  }\n");
        });
    if (!outbound_sidecar.ok()) return outbound_sidecar.status();
    processes.Add(std::move(outbound_sidecar->first));
    const int outbound = outbound_sidecar->second;
    client.insert(client.end(),
                  {"--mode", "grpc", "--target", absl::StrCat("127.0.0.1:", outbound)});
  } else {
    return absl::InvalidArgumentError(absl::StrCat("no arm '", arm.id, "'"));
  }

  client.insert(client.end(), {"--commands", "--announce", "--payload", std::to_string(payload)});
  Subprocess::Options with_input;
  with_input.stdin_pipe = true;  // for its commands
  absl::StatusOr<Process> started =
      StartProcess("client", client, absl::StrCat(run_dir, "/client.log"), with_input);
  if (!started.ok()) return started.status();
  owned->loadgen = &processes.Add(*std::move(started));
  // The client probes for up to 10 s.
  absl::StatusOr<std::string> ready =
      owned->loadgen->subprocess->WaitForLine("ready", kStartTimeout + absl::Seconds(10));
  if (!ready.ok()) return WithLog(ready.status(), *owned->loadgen);
  return std::unique_ptr<RunningArm>(new RunningArm(arm, std::move(owned)));
}

absl::StatusOr<ArmRun> RunningArm::Run(const LoadSpec& load) {
  Process& loadgen = *processes_->loadgen;
  const std::string command =
      absl::StrCat(load.rate > 0 ? "open " : "closed ",
                   load.rate > 0 ? absl::StrCat(load.rate) : absl::StrCat(load.concurrency), " ",
                   absl::FormatDuration(load.warmup), " ", absl::FormatDuration(load.duration));
  if (absl::Status sent = loadgen.subprocess->WriteLine(command); !sent.ok()) {
    return WithLog(sent, loadgen);
  }
  const absl::Duration slack = absl::Seconds(30);
  absl::StatusOr<std::string> line =
      loadgen.subprocess->WaitForLine("measure-start", load.warmup + slack);
  if (!line.ok()) return WithLog(line.status(), loadgen);
  Sample before = SampleCpu(processes_->all.all());
  line = loadgen.subprocess->WaitForLine("measure-end", load.duration + slack);
  if (!line.ok()) return WithLog(line.status(), loadgen);
  Sample after = SampleCpu(processes_->all.all());
  absl::StatusOr<std::string> result_line = loadgen.subprocess->WaitForLine("result ", slack);
  if (!result_line.ok()) return WithLog(result_line.status(), loadgen);
  const nlohmann::json json = nlohmann::json::parse(*result_line, nullptr, false);
  absl::StatusOr<LoadResult> result = LoadResultFromJson(json);
  if (!result.ok()) return result.status();
  auto histogram = std::make_shared<LatencyHistogram>();
  absl::Status merged = json.contains("histogram")
                            ? MergeHistogramJson(json.at("histogram"), *histogram)
                            : absl::InvalidArgumentError("the result has no histogram");
  if (!merged.ok()) return WithLog(merged, loadgen);

  ArmRun run;
  run.load = *result;
  run.latency_histogram = std::move(histogram);
  double cpu_total = 0;
  for (size_t i = 0; i < after.pids.size(); ++i) {
    ProcessUsage usage;
    usage.role = after.pids[i].first;
    usage.pid = after.pids[i].second;
    for (size_t j = 0; j < before.pids.size(); ++j) {
      if (before.pids[j].second == usage.pid) usage.cpu_seconds = after.cpu[i] - before.cpu[j];
    }
    usage.peak_rss_kib = PeakRssKib(usage.pid).value_or(0);
    cpu_total += usage.cpu_seconds;
    run.processes.push_back(usage);
  }
  const uint64_t calls = run.load.succeeded + run.load.failed;
  run.cpu_us_per_call = calls == 0 ? 0 : cpu_total * 1e6 / static_cast<double>(calls);
  return run;
}

}  // namespace meshup::bench
