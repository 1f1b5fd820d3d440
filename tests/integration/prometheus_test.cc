// A real Prometheus server scrapes a workload's admin port and answers the
// queries Istio's dashboards make.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "curl/curl.h"
#include "free_port.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;

class EchoService final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    response = request;
    return absl::OkStatus();
  }
};

// The value of a PromQL query that returns one sample, or "" when it
// returns none.
std::string QueryOne(int port, const std::string& promql) {
  char* escaped = curl_easy_escape(nullptr, promql.c_str(), static_cast<int>(promql.size()));
  auto answer =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/api/v1/query?query=", escaped));
  curl_free(escaped);
  if (!answer.ok() || answer->status != 200) return "";
  nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
  if (!body.is_object() || body["data"]["result"].empty()) return "";
  return body["data"]["result"][0]["value"][1].get<std::string>();
}

TEST(PrometheusTest, APrometheusServerScrapesIstioMetricsFromTheAdminPort) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("meshup-prometheus-", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "registry");
  auto ca = testing::TestCa::Create((dir / "ca").string());
  ASSERT_TRUE(ca.ok()) << ca.status();

  MeshOptions options;
  options.service = "everything";
  options.registry_dir = (dir / "registry").string();
  options.identity_dir = *ca->Issue("everything-sa");
  auto mesh = Mesh::Create(options);
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  EchoService service;
  auto server = (*mesh)->NewServer();
  ASSERT_TRUE(server->AddService(service).ok());
  ASSERT_TRUE(server->Start().ok());

  options.service = "client";
  options.identity_dir = *ca->Issue("client");
  auto client_mesh = Mesh::Create(options);
  ASSERT_TRUE(client_mesh.ok()) << client_mesh.status();
  auto channel = (*client_mesh)->Connect("everything");
  ASSERT_TRUE(channel.ok());
  Everything::Client client(*channel);
  int succeeded = 0;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20);
       succeeded < 25 && absl::Now() < deadline;) {
    if (client.Echo(Echo()).ok()) ++succeeded;
  }
  ASSERT_EQ(succeeded, 25);

  std::ofstream(dir / "prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      << "scrape_configs:\n- job_name: meshup\n  static_configs:\n"
      << "  - targets: ['127.0.0.1:" << (*mesh)->admin_port() << "']\n";
  const std::string log = (dir / "prometheus.log").string();
  auto prometheus = testing::StartOnFreePort(
      [&](int port) -> std::vector<std::string> {
        return {"/bin/sh", "-c",
                absl::StrCat("exec prometheus --config.file=", (dir / "prometheus.yml").string(),
                             " --storage.tsdb.path=", (dir / "data").string(),
                             " --web.listen-address=127.0.0.1:", port, " > ", log, " 2>&1")};
      },
      [](int port) {
        auto ready =
            testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/-/ready"), absl::Seconds(1));
        return ready.ok() && ready->status == 200;
      },
      log, absl::Seconds(60));
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  const int port = prometheus->port;

  // What an Istio dashboard asks: requests to the service, by the
  // destination's report, successful ones.
  const std::string query =
      "sum(istio_requests_total{reporter=\"destination\","
      "destination_service=\"everything.default.svc.cluster.local\","
      "destination_workload=\"everything-v1\",response_code=\"200\"})";
  std::string value;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(60);
       value != "25" && absl::Now() < deadline;) {
    value = QueryOne(port, query);
    if (value != "25") absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_EQ(value, "25") << "Prometheus log: " << log;
  // The client's side reports the same calls, with both principals.
  EXPECT_EQ(QueryOne(port,
                     "sum(istio_requests_total{reporter=\"destination\","
                     "source_principal=\"spiffe://cluster.local/ns/default/sa/client\"})"),
            "25");

  prometheus->process->Stop(SIGTERM, absl::Seconds(10)).IgnoreError();
  server->Shutdown(absl::ZeroDuration());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace meshup
