#include "chaos_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "http_get.h"

namespace meshup::chaos {

using meshup_test::common::Echo;

ChaosCluster::ChaosCluster(std::string name, ClusterOptions options)
    : options_(std::move(options)),
      root_(std::filesystem::temp_directory_path() /
            absl::StrCat("meshup-chaos-", name, "-", getpid())) {}

ChaosCluster::~ChaosCluster() {
  client_.reset();
  mesh_.reset();
  for (Replica& replica : replicas_) replica.process.reset();  // SIGKILL and reap
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

absl::Status ChaosCluster::Init() {
  std::filesystem::remove_all(root_);
  for (const char* directory : {"client-config", "server-config", "registry", "ledgers"}) {
    std::filesystem::create_directories(root_ / directory);
  }
  absl::StatusOr<testing::TestCa> ca = testing::TestCa::Create((root_ / "ca").string());
  if (!ca.ok()) return ca.status();
  ca_.emplace(*std::move(ca));
  absl::StatusOr<std::string> server = ca_->Issue("everything-sa");
  if (!server.ok()) return server.status();
  absl::StatusOr<std::string> client = ca_->Issue("client-sa");
  if (!client.ok()) return client.status();
  server_identity_ = *server;
  client_identity_ = *client;
  return absl::OkStatus();
}

absl::Status ChaosCluster::WriteConfig(const std::filesystem::path& directory,
                                       const std::string& name, const std::string& text) {
  const std::filesystem::path temporary = directory / ("." + name + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", temporary.string()));
  }
  std::error_code error;
  std::filesystem::rename(temporary, directory / name, error);
  if (error) return absl::InternalError(absl::StrCat("rename: ", error.message()));
  return absl::OkStatus();
}

absl::Status ChaosCluster::WriteClientConfig(const std::string& name, const std::string& text) {
  return WriteConfig(root_ / "client-config", name, text);
}

absl::Status ChaosCluster::WriteServerConfig(const std::string& name, const std::string& text) {
  return WriteConfig(root_ / "server-config", name, text);
}

absl::Status ChaosCluster::StartReplica(int index, const std::string& identity_dir) {
  Replica& replica = replicas_[index];
  if (replica.process != nullptr) return absl::FailedPreconditionError("replica already runs");
  std::vector<std::string> argv = {
      MESHUP_TEST_SERVER,
      "--service=everything",
      "--version=v1",
      "--identity=" + (identity_dir.empty() ? server_identity_ : identity_dir),
      "--config=" + (root_ / "server-config").string(),
      absl::StrCat("--drain_ms=", options_.drain_ms),
      absl::StrCat("--ledger=", (root_ / "ledgers" / absl::StrCat(index, "-", ++starts_)).string()),
  };
  if (options_.file_registry) argv.push_back("--registry=" + (root_ / "registry").string());
  argv.insert(argv.end(), options_.server_flags.begin(), options_.server_flags.end());
  absl::StatusOr<std::unique_ptr<testing::Subprocess>> process = testing::Subprocess::Start(argv);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> admin = (*process)->WaitForLine("admin: ", absl::Seconds(30));
  if (!admin.ok()) return admin.status();
  absl::StatusOr<std::string> port = (*process)->WaitForLine("port: ", absl::Seconds(30));
  if (!port.ok()) return port.status();
  if (!absl::SimpleAtoi(*admin, &replica.admin_port) || !absl::SimpleAtoi(*port, &replica.port)) {
    return absl::InternalError("test_server printed no port");
  }
  replica.process = *std::move(process);
  return absl::OkStatus();
}

absl::Status ChaosCluster::StartReplicas() {
  for (int i = 0; i < kReplicas; ++i) {
    if (absl::Status started = StartReplica(i); !started.ok()) return started;
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ChaosCluster::StopReplica(int index, int signal) {
  Replica& replica = replicas_[index];
  if (replica.process == nullptr) return absl::FailedPreconditionError("replica not running");
  absl::StatusOr<int> exit = replica.process->Stop(signal, absl::Seconds(30));
  replica.process.reset();
  return exit;
}

absl::Status ChaosCluster::StartClient() {
  MeshOptions options;
  options.service = "client";
  options.config_dir = (root_ / "client-config").string();
  if (options_.file_registry) options.registry_dir = (root_ / "registry").string();
  options.identity_dir = client_identity_;
  absl::StatusOr<std::unique_ptr<Mesh>> mesh = Mesh::Create(options);
  if (!mesh.ok()) return mesh.status();
  mesh_ = *std::move(mesh);
  absl::StatusOr<std::shared_ptr<Channel>> channel = mesh_->Connect("everything");
  if (!channel.ok()) return channel.status();
  client_ = std::make_unique<Everything::Client>(*channel);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Everything::Client>> ChaosCluster::DirectClient(int index) {
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      mesh_->Connect(replicas_[index].address());
  if (!channel.ok()) return channel.status();
  return std::make_unique<Everything::Client>(*channel);
}

absl::Status ChaosCluster::WaitForEndpoints(bool echo_each, absl::Duration timeout) {
  std::set<std::string> want;
  for (const Replica& replica : replicas_) {
    if (replica.process != nullptr) want.insert(replica.address());
  }
  const absl::Time deadline = absl::Now() + timeout;
  std::string last = "no answer";
  while (absl::Now() < deadline) {
    absl::StatusOr<nlohmann::json> cluster = ClientCluster();
    if (cluster.ok()) {
      std::set<std::string> healthy, listed;
      for (const auto& endpoint : (*cluster)["endpoints"]) {
        listed.insert(endpoint["address"].get<std::string>());
        if (endpoint["healthy"].get<bool>()) healthy.insert(endpoint["address"].get<std::string>());
      }
      if (listed == want && healthy == want) break;
      last = cluster->dump();
    } else {
      last = cluster.status().ToString();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(absl::StrCat("the client does not list the ",
                                                    want.size(), " replicas: ", last));
  }
  if (!echo_each) return absl::OkStatus();
  // Every replica answers, so that its connection is up before load starts.
  std::set<std::string> answered;
  while (answered.size() < want.size() && absl::Now() < deadline) {
    absl::StatusOr<Echo> reply = client_->Echo(Echo());
    if (reply.ok()) answered.insert(reply->text());
  }
  if (answered.size() < want.size()) {
    return absl::DeadlineExceededError(
        absl::StrCat("only ", answered.size(), " of ", want.size(), " replicas answered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ChaosCluster::ClientAdmin(const std::string& path) {
  absl::StatusOr<testing::HttpAnswer> answer = testing::HttpGet(
      absl::StrCat("http://127.0.0.1:", mesh_->admin_port(), path), absl::Seconds(10));
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    return absl::InternalError(absl::StrCat(path, " answered ", answer->status));
  }
  return answer->body;
}

absl::StatusOr<nlohmann::json> ChaosCluster::ClientCluster() {
  absl::StatusOr<std::string> body = ClientAdmin("/clusters");
  if (!body.ok()) return body.status();
  const nlohmann::json clusters = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (clusters.is_discarded()) return absl::InternalError("/clusters is not JSON");
  for (const auto& cluster : clusters["clusters"]) {
    if (cluster["host"] == "everything") return cluster;
  }
  return absl::NotFoundError("/clusters has no 'everything'");
}

nlohmann::json ChaosCluster::EndpointOf(const nlohmann::json& cluster,
                                        const std::string& address) {
  for (const auto& endpoint : cluster["endpoints"]) {
    if (endpoint["address"] == address) return endpoint;
  }
  return nullptr;
}

absl::StatusOr<ServerStats> ChaosCluster::Stats(int index) {
  absl::StatusOr<std::unique_ptr<Everything::Client>> direct = DirectClient(index);
  if (!direct.ok()) return direct.status();
  Echo request;
  request.set_text("__stats__");
  absl::StatusOr<Echo> reply = (*direct)->Echo(request);
  if (!reply.ok()) return reply.status();
  ServerStats stats;
  for (absl::string_view field : absl::StrSplit(reply->text(), ' ')) {
    if (absl::ConsumePrefix(&field, "in_flight=")) (void)absl::SimpleAtoi(field, &stats.in_flight);
    if (absl::ConsumePrefix(&field, "handled=")) (void)absl::SimpleAtoi(field, &stats.handled);
  }
  return stats;
}

absl::StatusOr<int64_t> ChaosCluster::RssKib(int index) {
  const Replica& replica = replicas_[index];
  if (replica.process == nullptr) return absl::FailedPreconditionError("replica not running");
  std::ifstream status(absl::StrCat("/proc/", replica.process->pid(), "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:")) {
      int64_t kib = 0;
      rest = absl::StripAsciiWhitespace(rest);
      if (absl::ConsumeSuffix(&rest, "kB") &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kib)) {
        return kib;
      }
    }
  }
  return absl::NotFoundError("no VmRSS");
}

std::map<std::string, int> ChaosCluster::LedgerCounts() const {
  std::map<std::string, int> counts;
  for (const auto& entry : std::filesystem::directory_iterator(root_ / "ledgers")) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) ++counts[line];
  }
  return counts;
}

double MetricSum(const std::string& text, const std::string& name,
                 const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool match = true;
    for (const std::string& label : labels) match = match && line.find(label) != std::string::npos;
    if (!match) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) sum += value;
  }
  return sum;
}

}  // namespace meshup::chaos
