#include "local_mesh.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "codegen/manifests/manifest_model.h"
#include "config/loader.h"
#include "config_store.h"
#include "discovery/file_registry.h"
#include "discovery/http_client.h"
#include "nlohmann/json.hpp"
#include "processes.h"
#include "security/certificate_authority.h"
#include "util/files.h"
#include "util/process_identity.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

// Fails when something listens on host:port already.
absl::Status CheckPortFree(const std::string& host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  if (bound) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("port ", port, " on ", host,
                   " is in use: stop what holds it (another `meshup up`? try `meshup down`) or "
                   "pick another with --port"));
}

// The value after `marker` on the last line of `text` that has it.
std::string AfterMarker(const std::string& text, absl::string_view marker) {
  std::string value;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t at = line.find(marker);
    if (at != absl::string_view::npos) value = std::string(line.substr(at + marker.size()));
  }
  return value;
}

// The port at the end of "host:port" (or "http://host:port").
int PortOf(absl::string_view address) {
  int port = 0;
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(address.substr(colon + 1)), &port)) {
    return 0;
  }
  return port;
}

std::string Tail(const std::string& path, int lines) {
  absl::StatusOr<std::string> text = internal::ReadFile(path);
  if (!text.ok()) return "";
  std::vector<absl::string_view> all = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  std::string out;
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
       i < all.size(); ++i) {
    absl::StrAppend(&out, "  | ", all[i], "\n");
  }
  return out;
}

// The ports `workload` announced in `log`: the last of each, 0 when none.
void ReadAnnouncedPorts(const std::string& log, LocalWorkload& workload) {
  workload.port = PortOf(
      AfterMarker(log, absl::StrCat("serving ", workload.service, " ", workload.version, " on ")));
  workload.admin_port = PortOf(AfterMarker(log, " admin on "));
}

// Waits until `workload` announced its ports and answers ready.
absl::Status WaitUntilReady(LocalWorkload& workload, absl::Time deadline) {
  const std::string name = absl::StrCat(workload.service, " ", workload.version);
  while (absl::Now() < deadline) {
    if (!IsRunning(workload.process())) {
      return absl::UnavailableError(absl::StrCat(name, " exited while starting; its log (",
                                                 workload.log, ") ends with:\n",
                                                 Tail(workload.log, 8)));
    }
    absl::StatusOr<std::string> log = internal::ReadFile(workload.log);
    if (log.ok()) ReadAnnouncedPorts(*log, workload);
    if (workload.port != 0 && workload.admin_port != 0) {
      auto ready = internal::HttpGet(
          absl::StrCat("http://127.0.0.1:", workload.admin_port, "/ready"), absl::Seconds(2));
      bool healthy = ready.ok() && ready->status == 200;
      if (healthy && workload.http) {
        auto health = internal::HttpGet(
            absl::StrCat("http://127.0.0.1:", workload.port, "/health"), absl::Seconds(2));
        healthy = health.ok() && health->status == 200;
      }
      if (healthy) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(name, " was not ready in time; its log (",
                                                  workload.log, ") ends with:\n",
                                                  Tail(workload.log, 8)));
}

// config/: the sample's configuration and the Mesh document, installed
// through the configuration store (one file per object, as `meshup apply`
// writes them) and validated together before anything starts.
absl::Status WriteConfig(const UpOptions& options, const fs::path& state) {
  const fs::path sample_config = fs::path(options.sample_dir) / "config";
  std::vector<config::ConfigFile> files;
  std::error_code error;
  bool any = false;
  for (const auto& entry : fs::directory_iterator(sample_config, error)) {
    any |= entry.path().extension() == ".yaml" || entry.path().extension() == ".yml";
  }
  if (any) {
    absl::StatusOr<std::vector<config::ConfigFile>> read =
        ReadConfigPaths({sample_config.string()});
    if (!read.ok()) return read.status();
    files = *std::move(read);
  }
  const std::string mesh = absl::StrCat(
      "# Written by `meshup up`: where the workloads register and what they log.\n"
      "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata:\n  name: mesh\nspec:\n"
      "  registry:\n    type: file\n    directory: ",
      (state / "registry").string(), "\n  telemetry:\n    tracing:\n      file: ",
      (state / "logs" / "spans.jsonl").string(), "\n    accessLog:\n      file: ",
      (state / "logs" / "access.jsonl").string(), "\n");
  ConfigStore store((state / "config").string());
  absl::StatusOr<ChangeResult> installed = store.Reset({{"<meshup up>", mesh}}, "meshup up");
  if (installed.ok() && !files.empty()) installed = store.Apply(files);
  if (!installed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the sample's configuration (", sample_config.string(),
                     ") does not install: ", installed.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LocalMesh> StartLocalMesh(const UpOptions& options) {
  const fs::path state = fs::absolute(options.state_dir);
  if (absl::StatusOr<LocalMesh> running = ReadLocalMesh(state.string()); running.ok()) {
    std::string pids;
    if (IsRunning(running->supervisor)) absl::StrAppend(&pids, running->supervisor.pid);
    for (const LocalWorkload& workload : running->workloads) {
      if (IsRunning(workload.process())) {
        absl::StrAppend(&pids, pids.empty() ? "" : " ", workload.pid);
      }
    }
    if (!pids.empty()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a mesh already runs from ", state.string(), " (pids ", pids,
          "): stop it with `meshup down --state ", options.state_dir, "`"));
    }
  }

  absl::StatusOr<manifests::ManifestModel> model =
      manifests::LoadManifestModel((fs::path(options.sample_dir) / "deploy.yaml").string());
  if (!model.ok()) return model.status();

  // Everything that can be checked before a process starts.
  LocalMesh mesh;
  mesh.state_dir = state.string();
  std::vector<std::pair<ProcessSpec, LocalWorkload>> plan;
  for (const manifests::ServiceModel& service : model->services) {
    const std::string program =
        (fs::path(options.bin_dir) / absl::StrCat(model->name, "_", service.name)).string();
    if (access(program.c_str(), X_OK) != 0) {
      return absl::NotFoundError(absl::StrCat(
          "no binary for service '", service.name, "': ", program,
          " is not an executable file (build it, or point --bin-dir at the directory)"));
    }
    if (!service.grpc && options.port != 0) {
      absl::Status free = CheckPortFree(options.host, options.port);
      if (!free.ok()) return free;
    }
    for (const manifests::DeployVersion& version : service.versions) {
      LocalWorkload workload;
      workload.service = service.name;
      workload.version = version.name;
      workload.http = !service.grpc;
      workload.identity = absl::StrCat("spiffe://", model->trust_domain, "/ns/",
                                       model->namespace_name, "/sa/", service.service_account);
      workload.log = (state / "logs" / absl::StrCat(service.name, "-", version.name, ".log"))
                         .string();
      ProcessSpec spec;
      spec.program = program;
      spec.log_file = workload.log;
      const std::string identity_dir =
          (state / "certs" / model->namespace_name / service.service_account).string();
      spec.env = {{"MESHUP_SERVICE", service.name},
                  {"MESHUP_VERSION", version.name},
                  {"MESHUP_NAMESPACE", model->namespace_name},
                  {"MESHUP_CONFIG_DIR", (state / "config").string()},
                  {"MESHUP_REGISTRY_DIR", (state / "registry").string()},
                  {"MESHUP_IDENTITY_DIR", identity_dir},
                  {"MESHUP_HOST", options.host},
                  {"MESHUP_PORT", service.grpc ? "0" : std::to_string(options.port)},
                  {"MESHUP_ADMIN_PORT", "0"}};
      for (const auto& [name, value] : version.env) spec.env.emplace_back(name, value);
      workload.spec = spec;
      plan.emplace_back(std::move(spec), std::move(workload));
    }
  }

  // The state directory: CA (kept), identities, configuration, registry, logs.
  std::error_code error;
  fs::create_directories(state / "logs", error);
  fs::remove_all(state / "registry", error);
  fs::create_directories(state / "registry", error);
  const std::string ca = (state / "ca").string();
  if (!fs::exists(fs::path(ca) / internal::kCaCertificateFile)) {
    internal::CaOptions ca_options;
    ca_options.trust_domain = model->trust_domain;
    absl::Status made = internal::InitCa(ca, ca_options);
    if (!made.ok()) return made;
  }
  for (const manifests::ServiceModel& service : model->services) {
    internal::IssueOptions issue;
    issue.id.namespace_name = model->namespace_name;
    issue.id.service_account = service.service_account;
    auto issued = internal::IssueWorkloadCertificate(
        ca, (state / "certs" / model->namespace_name / service.service_account).string(), issue);
    if (!issued.ok()) return issued.status();
  }
  if (absl::Status written = WriteConfig(options, state); !written.ok()) return written;

  // Start everything, then wait for each; on failure stop what started.
  for (auto& [spec, workload] : plan) {
    fs::remove(workload.log, error);
    absl::StatusOr<StartedProcess> started = Spawn(spec);
    if (!started.ok()) {
      StopLocalMesh(mesh);
      return started.status();
    }
    workload.pid = started->pid;
    workload.start_time = started->start_time;
    workload.command_line = started->command_line;
    mesh.workloads.push_back(workload);
  }
  const absl::Time deadline = absl::Now() + options.ready_timeout;
  for (LocalWorkload& workload : mesh.workloads) {
    absl::Status ready = WaitUntilReady(workload, deadline);
    if (!ready.ok()) {
      StopLocalMesh(mesh);
      return ready;
    }
    if (workload.http) {
      mesh.url = absl::StrCat("http://", options.host, ":", workload.port, "/productpage");
    }
  }
  if (options.supervised) {
    absl::StatusOr<internal::ProcessStatus> self = internal::ReadProcessStatus(getpid());
    if (self.ok()) mesh.supervisor = {getpid(), self->start_time, self->command_line};
  }
  if (absl::Status written = WriteLocalMesh(mesh); !written.ok()) {
    StopLocalMesh(mesh);
    return written;
  }
  return mesh;
}

absl::StatusOr<LocalMesh> ReadLocalMesh(const std::string& state_dir) {
  const std::string path = (fs::path(state_dir) / "state.json").string();
  absl::StatusOr<std::string> text = internal::ReadFile(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("no mesh runs from ", state_dir, " (no ", path, ")"));
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json["workloads"].is_array()) {
    return absl::DataLossError(absl::StrCat(path, ": not a state file of `meshup up`"));
  }
  LocalMesh mesh;
  mesh.state_dir = state_dir;
  mesh.url = json.value("url", "");
  for (const auto& item : json["workloads"]) {
    if (!item.is_object()) continue;
    LocalWorkload workload;
    workload.service = item.value("service", "");
    workload.version = item.value("version", "");
    workload.pid = item.value("pid", 0);
    workload.start_time = item.value("start_time", uint64_t{0});
    workload.command_line = item.value("command_line", "");
    workload.port = item.value("port", 0);
    workload.admin_port = item.value("admin_port", 0);
    workload.identity = item.value("identity", "");
    workload.log = item.value("log", "");
    workload.http = item.value("http", false);
    if (workload.pid > 1) mesh.workloads.push_back(std::move(workload));
  }
  if (const auto& supervisor = json["supervisor"]; supervisor.is_object()) {
    mesh.supervisor.pid = supervisor.value("pid", 0);
    mesh.supervisor.start_time = supervisor.value("start_time", uint64_t{0});
    mesh.supervisor.command_line = supervisor.value("command_line", "");
    if (mesh.supervisor.pid <= 1) mesh.supervisor = StartedProcess();
  }
  return mesh;
}

absl::Status WriteLocalMesh(const LocalMesh& mesh) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const LocalWorkload& workload : mesh.workloads) {
    workloads.push_back({{"service", workload.service},
                         {"version", workload.version},
                         {"pid", workload.pid},
                         {"start_time", workload.start_time},
                         {"command_line", workload.command_line},
                         {"port", workload.port},
                         {"admin_port", workload.admin_port},
                         {"identity", workload.identity},
                         {"log", workload.log},
                         {"http", workload.http}});
  }
  nlohmann::json json = {{"url", mesh.url}, {"workloads", std::move(workloads)}};
  if (mesh.supervisor.pid > 1) {
    json["supervisor"] = {{"pid", mesh.supervisor.pid},
                          {"start_time", mesh.supervisor.start_time},
                          {"command_line", mesh.supervisor.command_line}};
  }
  return internal::WriteFileAtomically((fs::path(mesh.state_dir) / "state.json").string(),
                                       json.dump(2) + "\n", 0644);
}

StopReport StopLocalMesh(const LocalMesh& mesh, absl::Duration grace) {
  StopReport report;
  auto stop = [&](bool http) {
    std::vector<StartedProcess> processes;
    for (const LocalWorkload& workload : mesh.workloads) {
      if (workload.http == http) processes.push_back(workload.process());
    }
    StopResult result = Stop(processes, grace);
    report.stopped += static_cast<int>(result.stopped.size());
    for (const auto& [pid, why] : result.not_signalled) {
      for (const LocalWorkload& workload : mesh.workloads) {
        if (workload.pid != pid || workload.http != http) continue;
        report.gone.push_back(absl::StrCat(workload.service, " ", workload.version, " (pid ", pid,
                                           "): ", why, "; not signalled"));
      }
    }
  };
  // The front end first, so that it stops calling what is about to go.
  stop(true);
  stop(false);
  // What a workload killed before it could deregister left in the registry.
  absl::StatusOr<int> removed = internal::FileRegistry::RemoveEntriesOfGoneProcesses(
      (fs::path(mesh.state_dir) / "registry").string());
  if (!removed.ok()) report.gone.push_back(std::string(removed.status().message()));
  std::error_code error;
  fs::remove(fs::path(mesh.state_dir) / "state.json", error);
  return report;
}

LocalMeshProcesses::LocalMeshProcesses(LocalMesh& mesh)
    : mesh_(mesh), log_offsets_(mesh.workloads.size(), -1) {}

std::string LocalMeshProcesses::Name(size_t index) const {
  return absl::StrCat(mesh_.workloads[index].service, " ", mesh_.workloads[index].version);
}

std::optional<int> LocalMeshProcesses::PollExit(size_t index) {
  const LocalWorkload& workload = mesh_.workloads[index];
  int wait_status = 0;
  const pid_t reaped = waitpid(workload.pid, &wait_status, WNOHANG);
  if (reaped == 0) return std::nullopt;
  if (reaped != workload.pid) {
    // Not a child of this process: it runs while it is as recorded.
    if (IsRunning(workload.process())) return std::nullopt;
    wait_status = -1;
  }
  // It could not deregister if it was killed: its entry goes now, which
  // also tells every watcher of the registry at once.
  internal::FileRegistry::RemoveEntriesOfGoneProcesses(
      (fs::path(mesh_.state_dir) / "registry").string())
      .IgnoreError();
  return wait_status;
}

absl::Status LocalMeshProcesses::Restart(size_t index) {
  LocalWorkload& workload = mesh_.workloads[index];
  if (workload.spec.program.empty()) {
    return absl::FailedPreconditionError("how it was started is not known");
  }
  std::error_code error;
  const uintmax_t size = fs::file_size(workload.log, error);
  const int64_t offset = error ? 0 : static_cast<int64_t>(size);
  if (std::ofstream log(workload.log, std::ios::app); log) {
    log << "--- meshup up restarts " << workload.service << " " << workload.version << " at "
        << absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", absl::Now(), absl::LocalTimeZone())
        << " ---\n";
  }
  absl::StatusOr<StartedProcess> started = Spawn(workload.spec);
  if (!started.ok()) return started.status();
  workload.pid = started->pid;
  workload.start_time = started->start_time;
  workload.command_line = started->command_line;
  if (!workload.http) workload.port = 0;  // until it announces its new ones
  workload.admin_port = 0;
  log_offsets_[index] = offset;
  // `meshup down` from another shell must find the new process at once.
  return WriteLocalMesh(mesh_);
}

std::vector<std::string> LocalMeshProcesses::Refresh() {
  std::vector<std::string> lines;
  bool changed = false;
  for (size_t i = 0; i < mesh_.workloads.size(); ++i) {
    if (log_offsets_[i] < 0) continue;
    LocalWorkload& workload = mesh_.workloads[i];
    absl::StatusOr<std::string> log = internal::ReadFile(workload.log);
    if (!log.ok() || static_cast<int64_t>(log->size()) < log_offsets_[i]) continue;
    LocalWorkload announced = workload;
    ReadAnnouncedPorts(log->substr(log_offsets_[i]), announced);
    if (announced.port == 0 || announced.admin_port == 0) continue;
    workload.port = announced.port;
    workload.admin_port = announced.admin_port;
    log_offsets_[i] = -1;
    changed = true;
    if (workload.http) {
      const size_t scheme = mesh_.url.find("://");
      const size_t colon = mesh_.url.find(':', scheme == std::string::npos ? 0 : scheme + 3);
      const size_t path = mesh_.url.find('/', colon == std::string::npos ? 0 : colon);
      if (colon != std::string::npos && path != std::string::npos) {
        mesh_.url = absl::StrCat(mesh_.url.substr(0, colon + 1), workload.port,
                                 mesh_.url.substr(path));
      }
    }
    lines.push_back(absl::StrCat(Name(i), " (pid ", workload.pid, ") serves on port ",
                                 workload.port, ", admin port ", workload.admin_port,
                                 workload.http ? absl::StrCat(": open ", mesh_.url) : ""));
  }
  if (changed) {
    absl::Status written = WriteLocalMesh(mesh_);
    if (!written.ok()) lines.push_back(absl::StrCat("state.json: ", written.message()));
  }
  return lines;
}

std::string DescribeLocalMesh(const LocalMesh& mesh) {
  std::string out = absl::StrFormat("%-12s %-8s %-8s %-7s %-6s %s\n", "SERVICE", "VERSION", "PID",
                                    "PORT", "ADMIN", "IDENTITY");
  for (const LocalWorkload& workload : mesh.workloads) {
    absl::StrAppend(&out, absl::StrFormat("%-12s %-8s %-8d %-7d %-6d %s\n", workload.service,
                                          workload.version, workload.pid, workload.port,
                                          workload.admin_port, workload.identity));
  }
  return out;
}

}  // namespace meshup::cli
