// Telemetry across workloads: one trace through a three-hop chain with no
// handler code, Istio's metrics on both sides on the admin port (valid for
// promtool), access logs, and the admin endpoints.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "nlohmann/json.hpp"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers with its name, after asking the next workload of the chain (if
// any) through a generated client: no trace code at all.
class ChainLink final : public Everything::Service {
 public:
  ChainLink(std::string name, std::shared_ptr<Channel> next)
      : name_(std::move(name)), next_(std::move(next)) {}
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    std::string text = name_;
    if (next_ != nullptr) {
      absl::StatusOr<meshup_test::common::Echo> reply = Everything::Client(next_).Echo(request);
      if (!reply.ok()) return reply.status();
      text += ">" + reply->text();
    }
    response.set_text(text);
    return absl::OkStatus();
  }
  // Streams `count` echoes of its name.
  absl::Status Range(ServerContext&, const meshup_test::everything::CountRequest& request,
                     ServerWriter<meshup_test::common::Echo>& writer) override {
    meshup_test::common::Echo echo;
    echo.set_text(name_);
    for (int i = 0; i < request.count(); ++i) {
      if (!writer.Write(echo)) break;
    }
    return absl::OkStatus();
  }
  // Answers the texts it read, joined.
  absl::Status Join(ServerContext&, ServerReader<meshup_test::common::Echo>& reader,
                    meshup_test::common::Echo& response) override {
    meshup_test::common::Echo echo;
    while (reader.Read(&echo)) response.mutable_text()->append(echo.text());
    return absl::OkStatus();
  }

 private:
  const std::string name_;
  const std::shared_ptr<Channel> next_;
};

struct Workload {
  std::unique_ptr<Mesh> mesh;
  std::unique_ptr<ChainLink> service;
  std::unique_ptr<Server> server;
};

class TelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-telemetry-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "config");
    auto ca = testing::TestCa::Create((dir_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::make_unique<testing::TestCa>(*std::move(ca));
    std::ofstream(dir_ / "config" / "mesh.yaml")
        << "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\nspec:\n"
        << "  registry: {type: file, directory: " << (dir_ / "registry").string() << "}\n"
        << "  telemetry:\n    tracing: {file: " << Spans() << "}\n"
        << "    accessLog: {file: " << (dir_ / "access.jsonl").string() << "}\n";
  }
  void TearDown() override {
    for (auto& workload : workloads_) {
      if (workload.server) workload.server->Shutdown(absl::ZeroDuration());
    }
    workloads_.clear();
    std::filesystem::remove_all(dir_);
  }

  std::string Spans() const { return (dir_ / "spans.jsonl").string(); }

  std::unique_ptr<Mesh> NewMesh(const std::string& service) {
    auto identity = ca_->Issue(service);
    EXPECT_TRUE(identity.ok()) << identity.status();
    MeshOptions options;
    options.service = service;
    options.config_dir = (dir_ / "config").string();
    options.identity_dir = identity.ok() ? *identity : "";
    auto mesh = Mesh::Create(options);
    EXPECT_TRUE(mesh.ok()) << mesh.status();
    return mesh.ok() ? *std::move(mesh) : nullptr;
  }

  // Starts workload `name`, which calls `next` (a service) when not empty.
  Workload& Start(const std::string& name, const std::string& next) {
    Workload workload;
    workload.mesh = NewMesh(name);
    std::shared_ptr<Channel> channel;
    if (!next.empty()) {
      auto connected = workload.mesh->Connect(next);
      EXPECT_TRUE(connected.ok());
      channel = *connected;
    }
    workload.service = std::make_unique<ChainLink>(name, channel);
    ServerOptions options;
    options.drain_delay = absl::ZeroDuration();
    workload.server = workload.mesh->NewServer(options);
    EXPECT_TRUE(workload.server->AddService(*workload.service).ok());
    EXPECT_TRUE(workload.server->Start().ok());
    workloads_.push_back(std::move(workload));
    return workloads_.back();
  }

  // Calls `service` from `mesh` until discovery knows every hop (bounded).
  absl::StatusOr<Echo> CallChain(Mesh& mesh, const std::string& service,
                                 const CallOptions& options = {}) {
    auto channel = mesh.Connect(service);
    if (!channel.ok()) return channel.status();
    absl::StatusOr<Echo> reply = absl::UnknownError("not called");
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    do {
      reply = Everything::Client(*channel).Echo(Echo(), options);
    } while (!reply.ok() && absl::StrContains(reply.status().message(), "no healthy upstream") &&
             absl::Now() < deadline);
    return reply;
  }

  std::string Get(int port, const std::string& path) {
    auto answer = testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, path));
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? answer->body : "";
  }

  static std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      lines.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
    }
    return lines;
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::TestCa> ca_;
  std::vector<Workload> workloads_;
};

std::string Attribute(const nlohmann::json& span, const std::string& key) {
  for (const auto& attribute : span["attributes"]) {
    if (attribute["key"] == key) return attribute["value"]["stringValue"];
  }
  return "";
}

TEST_F(TelemetryTest, AThreeHopChainIsOneTraceWithParentLinks) {
  Start("c", "");
  Start("b", "c");
  Start("a", "b");
  auto client = NewMesh("client");
  absl::StatusOr<Echo> reply = CallChain(*client, "a");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "a>b>c");
  // Meshes write out their queued spans when they go.
  client.reset();
  for (auto& workload : workloads_) workload.server->Shutdown(absl::ZeroDuration());
  workloads_.clear();

  // The last call (earlier ones may have failed while discovery caught up)
  // is the trace whose client span the client wrote last.
  std::vector<nlohmann::json> spans = ReadJsonLines(Spans());
  std::string trace_id;
  for (const auto& span : spans) {
    if (Attribute(span, "meshup.workload") == "client-v1" && span["kind"] == 3) {
      trace_id = span["traceId"];
    }
  }
  ASSERT_FALSE(trace_id.empty());
  // workload + kind -> span, within the trace.
  std::map<std::string, nlohmann::json> by_role;
  for (const auto& span : spans) {
    if (span["traceId"] != trace_id) continue;
    by_role[Attribute(span, "meshup.workload") + (span["kind"] == 3 ? "/client" : "/server")] =
        span;
  }
  ASSERT_EQ(by_role.size(), 6u) << "client, a, b each call out; a, b, c each serve";
  EXPECT_FALSE(by_role["client-v1/client"].contains("parentSpanId"));
  EXPECT_EQ(by_role["a-v1/server"]["parentSpanId"], by_role["client-v1/client"]["spanId"]);
  EXPECT_EQ(by_role["a-v1/client"]["parentSpanId"], by_role["a-v1/server"]["spanId"]);
  EXPECT_EQ(by_role["b-v1/server"]["parentSpanId"], by_role["a-v1/client"]["spanId"]);
  EXPECT_EQ(by_role["b-v1/client"]["parentSpanId"], by_role["b-v1/server"]["spanId"]);
  EXPECT_EQ(by_role["c-v1/server"]["parentSpanId"], by_role["b-v1/client"]["spanId"]);
  EXPECT_EQ(Attribute(by_role["b-v1/server"], "meshup.peer.principal"),
            "spiffe://cluster.local/ns/default/sa/a");
  EXPECT_EQ(by_role["c-v1/server"]["name"], "/meshup_test.everything.Everything/Echo");
}

TEST_F(TelemetryTest, AMalformedTraceparentStartsANewTrace) {
  Start("a", "");
  auto client = NewMesh("client");
  CallOptions options;
  options.headers = {{"traceparent", "00-ZZZZ-not-a-trace-01"}};
  absl::StatusOr<Echo> reply = CallChain(*client, "a", options);
  ASSERT_TRUE(reply.ok()) << reply.status();
  // A valid parent is continued.
  options.headers = {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  ASSERT_TRUE(CallChain(*client, "a", options).ok());
  client.reset();
  workloads_.clear();
  std::vector<nlohmann::json> spans = ReadJsonLines(Spans());
  int continued = 0;
  for (const auto& span : spans) {
    ASSERT_TRUE(span.is_object()) << "a span line is not JSON";
    if (span["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736") ++continued;
  }
  EXPECT_EQ(continued, 2) << "the client span and a's server span continue the given trace";
}

TEST_F(TelemetryTest, BothSidesReportIstioMetricsThatPromtoolAccepts) {
  Workload& a = Start("a", "");
  auto client = NewMesh("client");
  ASSERT_TRUE(CallChain(*client, "a").ok());
  const std::string server_metrics = Get(a.mesh->admin_port(), "/metrics");
  EXPECT_THAT(server_metrics,
              HasSubstr("istio_requests_total{reporter=\"destination\",source_workload=\"client-v1\","
                        "source_workload_namespace=\"default\",source_principal=\"spiffe://"
                        "cluster.local/ns/default/sa/client\",source_app=\"client\","
                        "source_version=\"v1\""));
  EXPECT_THAT(server_metrics, HasSubstr("destination_workload=\"a-v1\""));
  EXPECT_THAT(server_metrics,
              HasSubstr("destination_principal=\"spiffe://cluster.local/ns/default/sa/a\""));
  EXPECT_THAT(server_metrics, HasSubstr("destination_service=\"a.default.svc.cluster.local\""));
  EXPECT_THAT(server_metrics, HasSubstr("connection_security_policy=\"mutual_tls\"} 1\n"));
  EXPECT_THAT(server_metrics, HasSubstr("istio_request_duration_milliseconds_bucket{"));
  const std::string client_metrics = Get(client->admin_port(), "/metrics");
  EXPECT_THAT(client_metrics, HasSubstr("istio_requests_total{reporter=\"source\""));
  EXPECT_THAT(client_metrics, HasSubstr("destination_workload=\"a-v1\""));
  EXPECT_THAT(client_metrics,
              HasSubstr("grpc_response_status=\"0\",response_flags=\"-\","
                        "connection_security_policy=\"mutual_tls\"} 1\n"));

  // promtool parses the exposition (exit 1 on any error) and lints it
  // (exit 3). Its one lint finding is Istio's own metric name, which
  // dashboards depend on: istio_request_duration_milliseconds is not in
  // seconds.
  for (const std::string* text : {&server_metrics, &client_metrics}) {
    const std::string file = (dir_ / "metrics.txt").string();
    const std::string report = (dir_ / "promtool.txt").string();
    std::ofstream(file) << *text;
    const std::string command = "promtool check metrics < " + file + " > " + report + " 2>&1";
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    std::ifstream in(report);
    const std::string findings((std::istreambuf_iterator<char>(in)), {});
    EXPECT_TRUE(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3) << findings;
    for (absl::string_view line : absl::StrSplit(findings, '\n', absl::SkipEmpty())) {
      EXPECT_THAT(std::string(line),
                  HasSubstr("istio_request_duration_milliseconds use base unit \"seconds\""));
    }
  }
}

// The sum of every series of a histogram's `_sum` for one reporter.
double HistogramSum(const std::string& exposition, const std::string& name,
                    const std::string& reporter) {
  const std::string prefix = absl::StrCat(name, "_sum{reporter=\"", reporter, "\"");
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) << line;
    sum += value;
  }
  return sum;
}

TEST_F(TelemetryTest, StreamsReportTheBytesOfEveryMessageOnBothSides) {
  Workload& a = Start("a", "");
  auto client = NewMesh("client");
  absl::StatusOr<Echo> first = CallChain(*client, "a");  // an empty request, "a" back
  ASSERT_TRUE(first.ok()) << first.status();
  auto channel = client->Connect("a");
  ASSERT_TRUE(channel.ok());
  Everything::Client stub(*channel);

  meshup_test::everything::CountRequest range;
  range.set_count(3);
  auto reader = stub.Range(range);
  Echo echo;
  uint64_t range_bytes = 0;
  while (reader->Read(&echo)) range_bytes += echo.ByteSizeLong();
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(range_bytes, 3u * echo.ByteSizeLong());

  auto writer = stub.Join();
  Echo part;
  part.set_text("stream");
  ASSERT_TRUE(writer->Write(part));
  ASSERT_TRUE(writer->Write(part));
  absl::StatusOr<Echo> joined = writer->Finish();
  ASSERT_TRUE(joined.ok()) << joined.status();
  ASSERT_EQ(joined->text(), "streamstream");
  reader.reset();  // a client call reports when its stream goes away
  writer.reset();

  const double sent = static_cast<double>(range.ByteSizeLong() + 2 * part.ByteSizeLong());
  const double received =
      static_cast<double>(first->ByteSizeLong() + range_bytes + joined->ByteSizeLong());
  const std::string server_metrics = Get(a.mesh->admin_port(), "/metrics");
  EXPECT_EQ(HistogramSum(server_metrics, "istio_request_bytes", "destination"), sent);
  EXPECT_EQ(HistogramSum(server_metrics, "istio_response_bytes", "destination"), received);
  const std::string client_metrics = Get(client->admin_port(), "/metrics");
  EXPECT_EQ(HistogramSum(client_metrics, "istio_request_bytes", "source"), sent);
  EXPECT_EQ(HistogramSum(client_metrics, "istio_response_bytes", "source"), received);
}

TEST_F(TelemetryTest, AccessLogHasOneLinePerCallAndSide) {
  Start("a", "");
  auto client = NewMesh("client");
  ASSERT_TRUE(CallChain(*client, "a").ok());
  client.reset();
  workloads_.clear();
  bool source = false, destination = false;
  for (const auto& line : ReadJsonLines((dir_ / "access.jsonl").string())) {
    ASSERT_TRUE(line.is_object());
    if (line["grpc_status"] != "OK") continue;
    EXPECT_EQ(line["method"], "/meshup_test.everything.Everything/Echo");
    EXPECT_EQ(line["trace_id"].get<std::string>().size(), 32u);
    EXPECT_TRUE(line["duration_ms"].is_number());
    if (line["reporter"] == "destination") {
      destination = true;
      EXPECT_EQ(line["peer_principal"], "spiffe://cluster.local/ns/default/sa/client");
      EXPECT_EQ(line["workload"], "a-v1");
    } else {
      source = true;
      EXPECT_EQ(line["workload"], "client-v1");
      // The server's identity, which the client's handshake verified.
      EXPECT_EQ(line["peer_principal"], "spiffe://cluster.local/ns/default/sa/a");
    }
  }
  EXPECT_TRUE(source && destination);
}

// The line of `exposition` that has every one of `parts`, or "".
std::string LineWith(const std::string& exposition, const std::vector<std::string>& parts) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    bool all = true;
    for (const std::string& part : parts) all = all && absl::StrContains(line, part);
    if (all) return std::string(line);
  }
  return "";
}

TEST_F(TelemetryTest, InjectedFaultsAreRecordedAsEnvoyRecordsThem) {
  Start("a", "");
  auto client = NewMesh("client");
  ASSERT_TRUE(CallChain(*client, "a").ok());  // discovery knows a's endpoint
  std::ofstream(dir_ / "config" / "faults.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\n"
      << "spec:\n  hosts: [a]\n  http:\n  - fault:\n"
      << "      delay: {percentage: {value: 100}, fixedDelay: 1ms}\n"
      << "      abort: {percentage: {value: 100}, httpStatus: 500}\n"
      << "    route:\n    - destination: {host: a}\n";
  auto channel = client->Connect("a");
  ASSERT_TRUE(channel.ok());
  absl::Status status;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {  // until the configuration reloads: then one aborted call
    status = Everything::Client(*channel).Echo(Echo()).status();
  } while (status.ok() && absl::Now() < deadline);
  ASSERT_EQ(status.message(), "fault filter abort");

  const std::string metrics = Get(client->admin_port(), "/metrics");
  const std::string ok = LineWith(metrics, {"istio_requests_total{", "response_code=\"200\""});
  const std::string aborted = LineWith(metrics, {"istio_requests_total{", "response_code=\"500\""});
  ASSERT_FALSE(aborted.empty()) << metrics;
  EXPECT_THAT(aborted, HasSubstr("grpc_response_status=\"2\",response_flags=\"DI,FI\","
                                 "connection_security_policy=\"mutual_tls\"} 1"));
  // Every label but the outcome's is that of the calls a answered.
  auto without_outcome = [](const std::string& line) {
    return line.substr(0, line.find(",response_code="));
  };
  EXPECT_EQ(without_outcome(aborted), without_outcome(ok));
  EXPECT_THAT(aborted, HasSubstr("destination_workload=\"a-v1\""));
  EXPECT_THAT(aborted, HasSubstr("destination_service=\"a.default.svc.cluster.local\""));

  client.reset();  // writes the access log out
  bool logged = false;
  for (const auto& line : ReadJsonLines((dir_ / "access.jsonl").string())) {
    if (line["reporter"] != "source" || line["grpc_status"] == "OK") continue;
    logged = true;
    EXPECT_EQ(line["response_code"], 500);
    EXPECT_EQ(line["response_flags"], "DI,FI");
  }
  EXPECT_TRUE(logged);
}

// x-meshup-peer is the caller's word: it labels series only within bounds.
TEST_F(TelemetryTest, ACallerCannotMakeSeriesWithoutBound) {
  Workload& a = Start("a", "");
  auto client = NewMesh("client");
  ASSERT_TRUE(CallChain(*client, "a").ok());
  auto channel = client->Connect("a");
  ASSERT_TRUE(channel.ok());
  for (int i = 0; i < 200; ++i) {
    CallOptions options;
    options.headers = {{"x-meshup-peer", absl::StrCat("w", i, ",default,app", i, ",v1")}};
    ASSERT_TRUE(Everything::Client(*channel).Echo(Echo(), options).ok());
  }
  CallOptions other_namespace;  // not the certificate's namespace
  other_namespace.headers = {{"x-meshup-peer", "x,elsewhere,x,v1"}};
  ASSERT_TRUE(Everything::Client(*channel).Echo(Echo(), other_namespace).ok());

  const std::string metrics = Get(a.mesh->admin_port(), "/metrics");
  int series = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, "istio_requests_total{reporter=\"destination\"")) ++series;
  }
  EXPECT_LE(series, 10) << "the header made a series per value";
  // The caller's principal and namespace are its certificate's.
  EXPECT_THAT(metrics, HasSubstr("source_workload=\"unknown\",source_workload_namespace=\""
                                 "default\",source_principal=\"spiffe://cluster.local/ns/"
                                 "default/sa/client\""));
  EXPECT_THAT(metrics, Not(HasSubstr("elsewhere")));
}

TEST_F(TelemetryTest, AccessLogAndSpansRotateBySize) {
  std::ofstream(dir_ / "config" / "mesh.yaml")
      << "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\nspec:\n"
      << "  registry: {type: file, directory: " << (dir_ / "registry").string() << "}\n"
      << "  telemetry:\n    tracing: {file: " << Spans() << "}\n"
      << "    accessLog: {file: " << (dir_ / "access.jsonl").string() << "}\n"
      << "    rotation: {maxBytes: 4096, maxFiles: 2}\n";
  auto client = NewMesh("client");  // reads the rotation settings
  ASSERT_TRUE(client != nullptr);
  Start("a", "");
  ASSERT_TRUE(CallChain(*client, "a").ok());
  auto channel = client->Connect("a");
  ASSERT_TRUE(channel.ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Everything::Client(*channel).Echo(Echo()).ok());
  // Two Meshes, each writing at least one batch of more than 4 KiB to each
  // file: the second batch rotates.
  client.reset();
  workloads_.clear();
  for (const std::string& file : {(dir_ / "access.jsonl").string(), Spans()}) {
    EXPECT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_TRUE(std::filesystem::exists(file + ".1")) << file;
    EXPECT_FALSE(std::filesystem::exists(file + ".2")) << file;
    for (const std::string& path : {file, file + ".1"}) {
      for (const auto& line : ReadJsonLines(path)) EXPECT_TRUE(line.is_object()) << path;
    }
  }
}

TEST_F(TelemetryTest, AdminEndpointsAnswerEvenWithASlowClientConnected) {
  Workload& a = Start("a", "");
  const int port = a.mesh->admin_port();
  ASSERT_GT(port, 0);
  // A client that sends half a request and stalls.
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_GT(send(slow, "GET /metr", 9, 0), 0);

  EXPECT_EQ(Get(port, "/healthz"), "ok\n");
  EXPECT_EQ(Get(port, "/ready"), "ready\n");
  EXPECT_THAT(Get(port, "/clusters"), HasSubstr("\"clusters\""));
  auto not_found = testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/nope"));
  ASSERT_TRUE(not_found.ok());
  EXPECT_EQ(not_found->status, 404);

  // A bad update shows on /config_dump with the loader's message.
  std::ofstream(dir_ / "config" / "bad.yaml") << "apiVersion: networking.istio.io/v1\n"
                                                << "kind: VirtualService\nmetadata: {name: x}\n"
                                                << "spec: {hosts: [a], bogus: 1}\n";
  nlohmann::json dump;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    dump = nlohmann::json::parse(Get(port, "/config_dump"), nullptr, false);
  } while (dump.is_object() && dump["reload_failures"] == 0 && absl::Now() < deadline);
  ASSERT_TRUE(dump.is_object());
  EXPECT_EQ(dump["reload_failures"], 1);
  EXPECT_THAT(dump["last_error"].get<std::string>(), HasSubstr("bad.yaml:4"));
  EXPECT_THAT(Get(port, "/metrics"), HasSubstr("meshup_config_reload_failures_total 1\n"));

  // Draining: not ready.
  a.server->Shutdown(absl::ZeroDuration());
  auto draining = testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/ready"));
  ASSERT_TRUE(draining.ok());
  EXPECT_EQ(draining->status, 503);
  close(slow);
}

}  // namespace
}  // namespace meshup
