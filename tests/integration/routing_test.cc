// Routing over loopback with real server processes: a client with a config
// directory routes exactly as its YAML says, follows changes live, and
// survives a killed endpoint. Servers are test_server processes registered
// in a shared file registry; each answers Echo with "<version>:<port>".
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
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
using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;
using meshup_test::everything::Everything;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSubsets[] = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: everything}
spec:
  host: everything
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
)";

// A VirtualService for `everything` whose http list is `http_yaml`.
std::string Routes(const std::string& http_yaml) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: everything}\n"
         "spec:\n  hosts: [everything]\n  http:\n" +
         http_yaml;
}

std::string Split(int v1_weight, int v3_weight) {
  return Routes(absl::StrCat(
      "  - route:\n    - {destination: {host: everything, subset: v1}, weight: ", v1_weight,
      "}\n    - {destination: {host: everything, subset: v3}, weight: ", v3_weight,
      "}\n    retries: {attempts: 2, retryOn: unavailable}\n"));
}

// Calls `call` in a loop on its own thread until Stop() (or 30 s), counting
// successes and failures.
class BackgroundCalls {
 public:
  explicit BackgroundCalls(std::function<bool()> call) {
    thread_ = std::thread([this, call = std::move(call)] {
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (!stop_ && absl::Now() < deadline) (call() ? succeeded_ : failed_)++;
    });
  }
  ~BackgroundCalls() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int succeeded() const { return succeeded_.load(); }
  int failed() const { return failed_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> succeeded_{0}, failed_{0};
  std::thread thread_;
};

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            absl::StrCat("meshup-routing-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "config");
    std::filesystem::create_directories(root_ / "registry");
    WriteConfig("subsets.yaml", kSubsets);
    auto ca = testing::TestCa::Create((root_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto server_identity = ca->Issue("everything-sa");
    auto client_identity = ca->Issue("client");
    ASSERT_TRUE(server_identity.ok() && client_identity.ok());
    server_identity_ = *server_identity;
    client_identity_ = *client_identity;
    ca_.emplace(*std::move(ca));
  }
  void TearDown() override {
    client_.reset();
    mesh_.reset();
    servers_.clear();  // kills whatever still runs
    std::filesystem::remove_all(root_);
  }

  // Writes a config file atomically, as `meshup apply` does.
  void WriteConfig(const std::string& name, const std::string& text) {
    const auto temporary = root_ / "config" / ("." + name);
    std::ofstream(temporary) << text;
    std::filesystem::rename(temporary, root_ / "config" / name);
  }

  // Starts a server process of `version` (with test_server's `flags`);
  // returns its port.
  int StartServer(const std::string& version, int drain_ms = 200,
                  const std::vector<std::string>& flags = {}, const std::string& identity = "") {
    std::vector<std::string> command = {
        MESHUP_TEST_SERVER,
        "--service=everything",
        "--version=" + version,
        "--registry=" + (root_ / "registry").string(),
        "--identity=" + (identity.empty() ? server_identity_ : identity),
        absl::StrCat("--drain_ms=", drain_ms)};
    command.insert(command.end(), flags.begin(), flags.end());
    auto server = testing::Subprocess::Start(command);
    EXPECT_TRUE(server.ok()) << server.status();
    absl::StatusOr<std::string> port = (*server)->WaitForLine("port: ", absl::Seconds(30));
    EXPECT_TRUE(port.ok()) << port.status();
    int number = 0;
    EXPECT_TRUE(absl::SimpleAtoi(*port, &number));
    servers_.push_back(*std::move(server));
    return number;
  }

  void StartClient() {
    MeshOptions options;
    options.service = "client";
    options.config_dir = (root_ / "config").string();
    options.registry_dir = (root_ / "registry").string();
    options.identity_dir = client_identity_;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    auto channel = mesh_->Connect("everything");
    ASSERT_TRUE(channel.ok()) << channel.status();
    client_ = std::make_unique<Everything::Client>(*channel);
  }

  // Calls Echo until `count` distinct servers answered (bounded), so that
  // every server is known to the client before a test measures anything.
  void WaitForServers(size_t count, const CallOptions& options = {}) {
    std::set<std::string> seen;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (seen.size() < count && absl::Now() < deadline) {
      absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
      if (reply.ok()) seen.insert(reply->text());
    }
    ASSERT_EQ(seen.size(), count) << "only " << seen.size() << " servers answered";
  }

  // Which versions answered `calls` calls, and how many calls failed.
  std::map<std::string, int> CountVersions(int calls, const CallOptions& options = {}) {
    std::map<std::string, int> versions;
    for (int i = 0; i < calls; ++i) {
      absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
      ++versions[reply.ok() ? reply->text().substr(0, reply->text().find(':')) : "failed"];
    }
    return versions;
  }

  std::filesystem::path root_;
  std::optional<testing::TestCa> ca_;
  std::string server_identity_, client_identity_;
  std::vector<std::unique_ptr<testing::Subprocess>> servers_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Everything::Client> client_;
};

TEST_F(RoutingTest, RoutesByHeaderToSubsets) {
  WriteConfig("routes.yaml", Routes(R"(  - match:
    - headers: {end-user: {exact: jason}}
    route: [{destination: {host: everything, subset: v2}}]
  - route: [{destination: {host: everything, subset: v1}}]
)"));
  StartServer("v1");
  StartServer("v2");
  StartClient();
  CallOptions jason;
  jason.headers.emplace_back("end-user", "jason");
  WaitForServers(1, jason);
  WaitForServers(1);
  EXPECT_EQ(CountVersions(50, jason), (std::map<std::string, int>{{"v2", 50}}));
  EXPECT_EQ(CountVersions(50), (std::map<std::string, int>{{"v1", 50}}));
}

// 2,000 calls over an 80/20 split: the v3 share's standard deviation is 0.9
// points, so the +-5 point tolerance is more than five of them.
TEST_F(RoutingTest, SplitsTrafficByWeight) {
  WriteConfig("routes.yaml", Split(80, 20));
  StartServer("v1");
  StartServer("v3");
  StartClient();
  WaitForServers(2);
  std::map<std::string, int> versions = CountVersions(2000);
  EXPECT_EQ(versions["failed"], 0);
  EXPECT_NEAR(versions["v1"] / 20.0, 80.0, 5.0);
  EXPECT_NEAR(versions["v3"] / 20.0, 20.0, 5.0);
}

TEST_F(RoutingTest, WeightsShiftLiveWithZeroFailedCalls) {
  WriteConfig("routes.yaml", Split(100, 0));
  StartServer("v1");
  StartServer("v3");
  StartClient();
  WaitForServers(1);

  std::atomic<int> v1{0}, v3{0};
  BackgroundCalls load([&] {
    absl::StatusOr<Echo> reply = client_->Echo(Echo());
    if (reply.ok()) (absl::StartsWith(reply->text(), "v1:") ? v1 : v3)++;
    return reply.ok();
  });
  absl::SleepFor(absl::Milliseconds(200));
  const int v1_before = v1.load();
  EXPECT_EQ(v3.load(), 0);
  const absl::Time changed = absl::Now();
  WriteConfig("routes.yaml", Split(0, 100));
  // The change must show within a second; wait up to five for a loaded machine.
  while (v3.load() == 0 && absl::Now() < changed + absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration took = absl::Now() - changed;
  absl::SleepFor(absl::Milliseconds(200));
  const int v1_after_switch = v1.load();
  absl::SleepFor(absl::Milliseconds(300));
  load.Stop();
  EXPECT_GT(v1_before, 0);
  EXPECT_GT(v3.load(), 0);
  EXPECT_LT(took, absl::Seconds(1)) << "the weight change took " << took;
  EXPECT_EQ(v1.load(), v1_after_switch) << "v1 still got calls after the switch";
  EXPECT_EQ(load.failed(), 0);
}

TEST_F(RoutingTest, AKilledEndpointIsEjectedAndIdempotentCallsStillSucceed) {
  WriteConfig("subsets.yaml", std::string(kSubsets) + R"(  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 1
      baseEjectionTime: 60s
      maxEjectionPercent: 50
)");
  WriteConfig("routes.yaml", Routes(R"(  - route: [{destination: {host: everything}}]
    retries: {attempts: 2, retryOn: unavailable}
)"));
  StartServer("v1");
  StartServer("v1");
  StartServer("v1");
  StartClient();
  WaitForServers(3);

  BackgroundCalls load([&] { return client_->Echo(Echo()).ok(); });
  absl::SleepFor(absl::Milliseconds(200));
  // A crash: no deregistration, the registry still lists the workload.
  ASSERT_TRUE(servers_[0]->Stop(SIGKILL, absl::Seconds(10)).ok());
  const int at_kill = load.succeeded();
  absl::SleepFor(absl::Milliseconds(1000));
  load.Stop();
  EXPECT_GT(load.succeeded(), at_kill + 10) << "calls stopped after the kill";
  EXPECT_EQ(load.failed(), 0);
}

// What Istio gives with no retries and no outlierDetection configured: a
// connection failure is retried on another endpoint, even for a method that
// is not idempotent (the request never left), and an endpoint whose
// connection fails is skipped while others are up.
TEST_F(RoutingTest, AKilledReplicaCostsNoCallWithoutRetriesOrOutlierDetection) {
  const int dead_port = StartServer("v1");
  StartServer("v1");
  StartServer("v1");
  StartClient();
  WaitForServers(3);
  // A crash: no deregistration, the registry still lists the workload.
  ASSERT_TRUE(servers_[0]->Stop(SIGKILL, absl::Seconds(10)).ok());
  // Idempotent calls are retried even when the dead connection took them.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(client_->Echo(Echo()).ok());
  // In steady state, calls that cannot be resent lose nothing either: a
  // non-idempotent call in flight on the dying connection could have.
  int failed = 0;
  for (int i = 0; i < 100; ++i) {
    CountRequest request;
    request.set_key(absl::StrCat("call-", i));
    absl::StatusOr<CountReply> reply = client_->CountOnce(request);  // not idempotent
    if (!reply.ok()) ++failed;
  }
  EXPECT_EQ(failed, 0);
  // The dead endpoint was tried at most a few times (once per reconnection
  // gRPC makes), not a third of the calls.
  absl::StatusOr<testing::HttpAnswer> clusters =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", mesh_->admin_port(), "/clusters"));
  ASSERT_TRUE(clusters.ok()) << clusters.status();
  int dead_failures = -1;
  const nlohmann::json parsed = nlohmann::json::parse(clusters->body);
  for (const auto& host : parsed["clusters"]) {
    for (const auto& endpoint : host["endpoints"]) {
      if (absl::EndsWith(endpoint["address"].get<std::string>(), absl::StrCat(":", dead_port))) {
        dead_failures = endpoint["failed_attempts"].get<int>();
      }
    }
  }
  EXPECT_GE(dead_failures, 0) << "the killed endpoint (port " << dead_port
                              << ") is not in /clusters: " << clusters->body;
  EXPECT_LE(dead_failures, 10);
}

TEST_F(RoutingTest, AGracefulStopLosesNoCall) {
  WriteConfig("routes.yaml", Routes(R"(  - route: [{destination: {host: everything}}]
    retries: {attempts: 2, retryOn: unavailable}
)"));
  StartServer("v1", /*drain_ms=*/1000);
  StartServer("v1", /*drain_ms=*/1000);
  StartClient();
  WaitForServers(2);
  BackgroundCalls load([&] { return client_->Echo(Echo()).ok(); });
  absl::SleepFor(absl::Milliseconds(200));
  absl::StatusOr<int> exit = servers_[0]->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0);
  absl::SleepFor(absl::Milliseconds(300));
  load.Stop();
  EXPECT_GT(load.succeeded(), 0);
  EXPECT_EQ(load.failed(), 0);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(root_ / "registry"),
                          std::filesystem::directory_iterator()),
            1)
      << "the stopped server did not deregister";
}

// The lines of a test_server ledger ("<Method> <key>"), in any order.
std::multiset<std::string> LedgerLines(const std::filesystem::path& path) {
  std::multiset<std::string> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) lines.insert(line);
  return lines;
}

// A mirrored call reaches the mirror's subset with the very request that the
// route's destination got, blocking or not, and the caller gets the
// destination's reply alone. CountOnce is never retried once sent, so each
// ledger holds each call once; keys of 300 bytes make gRPC share the request
// bytes by reference rather than inline.
TEST_F(RoutingTest, MirrorsEachCallToTheMirrorSubset) {
  WriteConfig("routes.yaml", Routes(R"(  - route: [{destination: {host: everything, subset: v1}}]
    mirror: {host: everything, subset: v2}
    mirrorPercentage: {value: 100}
)"));
  const std::filesystem::path v1_ledger = root_ / "v1.ledger", v2_ledger = root_ / "v2.ledger";
  StartServer("v1", 200, {"--ledger=" + v1_ledger.string()});
  StartServer("v2", 200, {"--ledger=" + v2_ledger.string()});
  StartClient();
  WaitForServers(1);

  const std::string blocking_key = std::string(300, 'b'), async_key = std::string(300, 'a');
  CountRequest request;
  request.set_key(blocking_key);
  absl::StatusOr<CountReply> blocking = client_->CountOnce(request);
  ASSERT_TRUE(blocking.ok()) << blocking.status();
  EXPECT_THAT(blocking->header_value(), StartsWith("v1:"));

  request.set_key(async_key);
  auto done = std::make_shared<std::promise<absl::StatusOr<CountReply>>>();
  client_->CountOnceAsync(request,
                          [done](absl::StatusOr<CountReply> reply) { done->set_value(reply); });
  std::future<absl::StatusOr<CountReply>> async = done->get_future();
  ASSERT_EQ(async.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  absl::StatusOr<CountReply> async_reply = async.get();
  ASSERT_TRUE(async_reply.ok()) << async_reply.status();
  EXPECT_THAT(async_reply->header_value(), StartsWith("v1:"));

  // The mirror's copies are not waited for by the calls: wait for them here.
  const std::multiset<std::string> both = {"CountOnce " + async_key, "CountOnce " + blocking_key};
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (LedgerLines(v2_ledger) != both && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(LedgerLines(v2_ledger), both);
  EXPECT_EQ(LedgerLines(v1_ledger), both);
}

// Destroying the Mesh ends the mirrored copies of its calls as it ends the
// calls: a copy left in flight would hold its connection past the Mesh, and
// finish on gRPC's threads while the process tears gRPC down.
TEST_F(RoutingTest, DestroyingTheMeshCancelsTheMirroredCopies) {
  WriteConfig("routes.yaml", Routes(R"(  - route: [{destination: {host: everything, subset: v1}}]
    mirror: {host: everything, subset: v2}
    mirrorPercentage: {value: 100}
)"));
  StartServer("v1");
  const int v2_port = StartServer("v2");
  StartClient();
  WaitForServers(1);
  // Another Mesh asks v2 itself how many calls it runs.
  MeshOptions options;
  options.service = "observer";
  options.identity_dir = client_identity_;
  absl::StatusOr<std::unique_ptr<Mesh>> observer = Mesh::Create(options);
  ASSERT_TRUE(observer.ok()) << observer.status();
  absl::StatusOr<std::shared_ptr<Channel>> v2_channel =
      (*observer)->Connect(absl::StrCat("127.0.0.1:", v2_port));
  ASSERT_TRUE(v2_channel.ok()) << v2_channel.status();
  Everything::Client v2(*v2_channel);
  auto v2_stats = [&v2]() -> std::string {
    Echo stats;
    stats.set_text("__stats__");
    absl::StatusOr<Echo> reply = v2.Echo(stats);
    return reply.ok() ? reply->text() : reply.status().ToString();
  };
  auto wait_for = [&v2_stats](const std::string& prefix) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!absl::StartsWith(v2_stats(), prefix) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return v2_stats();
  };

  CountRequest request;
  request.set_hold_ms(60000);  // held by both v1 and the mirror, v2, until cancelled
  client_->CountOnceAsync(request, [](absl::StatusOr<CountReply>) {});
  ASSERT_THAT(wait_for("in_flight=1"), StartsWith("in_flight=1"));
  client_.reset();
  mesh_.reset();
  EXPECT_THAT(wait_for("in_flight=0"), StartsWith("in_flight=0"));
}

TEST_F(RoutingTest, InjectsAbortsAndDelays) {
  WriteConfig("routes.yaml", Routes(R"(  - match: [{headers: {x-fault: {exact: abort}}}]
    route: [{destination: {host: everything}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
  - match: [{headers: {x-fault: {exact: delay}}}]
    route: [{destination: {host: everything}}]
    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
  - route: [{destination: {host: everything}}]
)"));
  StartServer("v1");
  StartClient();
  WaitForServers(1);
  CallOptions abort;
  abort.headers.emplace_back("x-fault", "abort");
  absl::StatusOr<Echo> aborted = client_->Echo(Echo(), abort);
  EXPECT_EQ(aborted.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(aborted.status().message(), "fault filter abort");

  CallOptions delay;
  delay.headers.emplace_back("x-fault", "delay");
  const absl::Time start = absl::Now();
  EXPECT_TRUE(client_->Echo(Echo(), delay).ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST_F(RoutingTest, TheRouteTimeoutReplacesTheIdls) {
  WriteConfig("routes.yaml",
              Routes(R"(  - match: [{uri: {exact: /meshup_test.everything.Everything/Count}}]
    route: [{destination: {host: everything}}]
    timeout: 200ms
  - route: [{destination: {host: everything}}]
)"));
  StartServer("v1");
  StartClient();
  WaitForServers(1);
  CountRequest request;
  request.set_hold_ms(10000);  // Count's IDL timeout is 3 s
  const absl::Time start = absl::Now();
  absl::StatusOr<CountReply> reply = client_->Count(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(RoutingTest, TheConnectionPoolLimitFailsExcessCallsFast) {
  WriteConfig("subsets.yaml", std::string(kSubsets) + R"(  trafficPolicy:
    connectionPool: {http: {http2MaxRequests: 1}}
)");
  StartServer("v1");
  StartClient();
  WaitForServers(1);
  CountRequest hold;
  hold.set_hold_ms(1000);
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  // The asynchronous call takes the pool's one slot before it returns.
  client_->CountAsync(hold, [&](absl::StatusOr<CountReply>) {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    done_cv.notify_all();
  });
  absl::StatusOr<Echo> excess = client_->Echo(Echo());
  EXPECT_EQ(excess.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(excess.status().message(), HasSubstr("connection pool of 'everything' is full"));
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(done_cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
}

TEST_F(RoutingTest, AServiceWithNoEndpointsSaysSo) {
  StartClient();
  absl::StatusOr<Echo> reply = client_->Echo(Echo());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(reply.status().message(),
              HasSubstr("no healthy upstream: no endpoints for 'everything'"));
}

// Secure naming: a workload that registers as `everything` but runs as
// another service account (its certificate is valid, from the mesh's CA)
// gets none of the calls; the IDL says everything runs as everything-sa.
TEST_F(RoutingTest, AnEndpointRunningAsAnotherServiceAccountGetsNoCalls) {
  absl::StatusOr<std::string> attacker = ca_->Issue("attacker");
  ASSERT_TRUE(attacker.ok()) << attacker.status();
  StartServer("v1");
  StartServer("v2", 200, {}, *attacker);
  StartClient();  // after both registered: the client knows both at once
  std::map<std::string, int> versions = CountVersions(40);
  EXPECT_EQ(versions["v1"], 40);
  EXPECT_EQ(versions.count("v2"), 0u);
}

TEST_F(RoutingTest, AServiceWithOnlyImpostorsFailsNamingThem) {
  absl::StatusOr<std::string> attacker = ca_->Issue("attacker");
  ASSERT_TRUE(attacker.ok()) << attacker.status();
  StartServer("v1", 200, {}, *attacker);
  StartClient();
  absl::StatusOr<Echo> reply = client_->Echo(Echo());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()),
              AllOf(HasSubstr("service account 'attacker'"), HasSubstr("'everything-sa'")));
}

}  // namespace
}  // namespace meshup
