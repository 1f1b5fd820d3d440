// The standard services every MeshUp server serves beside the user's, gRPC
// health (grpc.health.v1.Health) and server reflection
// (grpc.reflection.v1alpha and v1), called as any gRPC client calls them:
// they go through the same identity, AuthorizationPolicy and telemetry as
// the user's services. Health's Check is exempt from authorization, so that
// probes reach it under any policy; its Watch is not. Reflection answers only
// callers that may call the server's services.
//
// The calls here are raw gRPC calls with hand-encoded messages, so the test
// relies on nothing but the wire contract of those services.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpc_adapter/handover.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "mtls_channel.h"
#include "nopackage.pb.h"
#include "test_ca.h"

namespace meshup {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kWatch[] = "/grpc.health.v1.Health/Watch";
constexpr char kReflectionAlpha[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
constexpr char kReflection[] = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

// HealthCheckRequest{service: ""} and HealthCheckResponse{status: SERVING}.
const std::string kCheckServer = "";
const std::string kServing = std::string("\x08\x01", 2);
const std::string kNotServing = std::string("\x08\x02", 2);
// ServerReflectionRequest{list_services: ""}.
const std::string kListServices = std::string("\x3a\x00", 2);

// HealthCheckRequest{service: `name`} and ServerReflectionRequest{
// file_containing_symbol: `symbol`}: one length-delimited field.
std::string Field(char tag, const std::string& text) {
  return std::string(1, tag) + static_cast<char>(text.size()) + text;
}
std::string HealthOf(const std::string& name) { return Field('\x0a', name); }
std::string FileContaining(const std::string& symbol) { return Field('\x22', symbol); }

struct RawResult {
  grpc::Status status;
  std::vector<std::string> messages;  // the first `max_reads` the server sent
};

// Calls `path` over mTLS as the workload in `identity_dir`: sends `request`,
// closes its side, and reads up to `max_reads` messages, then ends the call
// (cancelling it if the server has not). `on_message(i)` runs once the i-th
// message has arrived. Every step is bounded by a 5 s deadline.
RawResult RawCall(
    const std::string& address, const std::string& identity_dir, const std::string& path,
    const std::string& request, int max_reads = 10,
    const std::function<void(int)>& on_message = [](int) {}) {
  // What gRPC's threads use is made and handed over inside gRPC's scope, as
  // MeshUp's own calls do (runtime/src/grpc_adapter/handover.h).
  internal::GrpcCode in_grpc;
  auto channel = testing::MtlsChannel(address, identity_dir);
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  RawResult result;
  auto call = stub.PrepareCall(&context, path, &queue);
  // One operation at a time: each step waits for its own completion.
  auto step = [&queue] {
    void* tag;
    bool ok = false;
    return queue.Next(&tag, &ok) && ok;
  };
  call->StartCall(nullptr);
  bool open = step();
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  if (open) {
    call->Write(buffer, nullptr);
    open = step();
  }
  if (open) {
    call->WritesDone(nullptr);
    open = step();
  }
  bool ended = !open;  // the server has sent all it will
  while (!ended && static_cast<int>(result.messages.size()) < max_reads) {
    grpc::ByteBuffer received;
    call->Read(&received, nullptr);
    if (!step()) {
      ended = true;
      break;
    }
    std::vector<grpc::Slice> slices;
    (void)received.Dump(&slices);
    std::string message;
    for (const grpc::Slice& part : slices) {
      message.append(reinterpret_cast<const char*>(part.begin()), part.size());
    }
    result.messages.push_back(std::move(message));
    on_message(static_cast<int>(result.messages.size()) - 1);
  }
  if (!ended) context.TryCancel();  // a stream the server keeps open (Watch) ends here
  call->Finish(&result.status, nullptr);
  void* tag;
  bool ok;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return result;
}

// The sum of the server's istio_requests_total series in `metrics` whose
// labels contain `label` (e.g. grpc_response_status="7").
double RequestsTotal(const std::string& metrics, absl::string_view label) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, "istio_requests_total{")) continue;
    if (!absl::StrContains(line, "reporter=\"destination\"")) continue;
    if (!absl::StrContains(line, label)) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) total += value;
  }
  return total;
}

class GuardedEcho final : public meshup_test::everything::Guarded::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    response = request;
    return absl::OkStatus();
  }
};

class StandardServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-standard-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "config");
    auto ca = testing::TestCa::Create((dir_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("guarded");
    ASSERT_TRUE(identity.ok()) << identity.status();
    // Guarded's IDL allows "friend" (of its namespace) and partners/partner.
    auto friend_identity = ca->Issue("friend");
    ASSERT_TRUE(friend_identity.ok()) << friend_identity.status();
    friend_ = *friend_identity;
    auto stranger = ca->Issue("stranger");
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    stranger_ = *stranger;
    MeshOptions options;
    options.service = "guarded";
    options.config_dir = (dir_ / "config").string();
    options.identity_dir = *identity;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    server_ = mesh_->NewServer();
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    address_ = absl::StrCat("127.0.0.1:", *port);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Apply(const std::string& name, const std::string& yaml) {
    const auto temporary = dir_ / "config" / ("." + name);
    std::ofstream(temporary) << yaml;
    std::filesystem::rename(temporary, dir_ / "config" / name);
  }

  std::string Metrics() {
    absl::StatusOr<testing::HttpAnswer> got =
        testing::HttpGet(absl::StrCat("http://127.0.0.1:", mesh_->admin_port(), "/metrics"));
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? got->body : "";
  }

  std::filesystem::path dir_;
  std::string friend_, stranger_;  // identity directories of two callers
  GuardedEcho service_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
  std::string address_;
};

TEST_F(StandardServicesTest, ReflectionAnswersOnlyCallersTheServicesAllow) {
  for (const char* path : {kReflectionAlpha, kReflection}) {
    RawResult allowed = RawCall(address_, friend_, path, kListServices);
    ASSERT_TRUE(allowed.status.ok()) << path << ": " << allowed.status.error_message();
    ASSERT_EQ(allowed.messages.size(), 1u) << path;
    EXPECT_THAT(allowed.messages[0], HasSubstr("meshup_test.everything.Guarded")) << path;

    RawResult refused = RawCall(address_, stranger_, path, kListServices);
    EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << path << " answered a caller Guarded's allowed_callers leave out: "
        << refused.status.error_message();
    EXPECT_TRUE(refused.messages.empty()) << path;
  }
}

constexpr char kDenyAll[] = R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all}
spec:
  action: DENY
  rules: [{}]
)";

TEST_F(StandardServicesTest, UnderDenyAllOnlyHealthCheckAnswersAsProbesNeedIt) {
  Apply("deny-all.yaml", kDenyAll);
  const std::string echo_path = "/meshup_test.everything.Guarded/Echo";
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (RawCall(address_, friend_, echo_path, "").status.error_code() !=
             grpc::StatusCode::PERMISSION_DENIED &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(RawCall(address_, friend_, echo_path, "").status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "the DENY-all policy did not load";

  for (const std::string* identity : {&friend_, &stranger_}) {
    RawResult check = RawCall(address_, *identity, kCheck, kCheckServer);
    ASSERT_TRUE(check.status.ok()) << check.status.error_message();
    ASSERT_EQ(check.messages.size(), 1u);
    EXPECT_EQ(check.messages[0], kServing);

    EXPECT_EQ(RawCall(address_, *identity, kWatch, kCheckServer, 1).status.error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    for (const char* path : {kReflectionAlpha, kReflection}) {
      EXPECT_EQ(RawCall(address_, *identity, path, kListServices).status.error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << path;
    }
  }
}

TEST_F(StandardServicesTest, HealthAndReflectionCallsAreCountedLikeEveryOther) {
  const std::string before = Metrics();
  const double ok_before = RequestsTotal(before, "grpc_response_status=\"0\"");
  const double denied_before = RequestsTotal(before, "grpc_response_status=\"7\"");
  ASSERT_TRUE(RawCall(address_, stranger_, kCheck, kCheckServer).status.ok());
  ASSERT_TRUE(RawCall(address_, friend_, kReflectionAlpha, kListServices).status.ok());
  ASSERT_EQ(RawCall(address_, stranger_, kReflection, kListServices).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Metrics are recorded once the call has ended on the server.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::string after = Metrics();
  while (RequestsTotal(after, "grpc_response_status=\"0\"") < ok_before + 2 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    after = Metrics();
  }
  EXPECT_EQ(RequestsTotal(after, "grpc_response_status=\"0\""), ok_before + 2) << after;
  EXPECT_EQ(RequestsTotal(after, "grpc_response_status=\"7\""), denied_before + 1) << after;
}

TEST_F(StandardServicesTest, HealthNamesTheServicesServedAndNothingElse) {
  RawResult served =
      RawCall(address_, stranger_, kCheck, HealthOf("meshup_test.everything.Guarded"));
  ASSERT_TRUE(served.status.ok()) << served.status.error_message();
  EXPECT_EQ(served.messages, std::vector<std::string>{kServing});
  EXPECT_EQ(RawCall(address_, stranger_, kCheck, HealthOf("meshup_test.everything.Everything"))
                .status.error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(StandardServicesTest, WatchFollowsTheServicesAllowedCallersAndIsBounded) {
  EXPECT_EQ(RawCall(address_, stranger_, kWatch, kCheckServer, 1).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Each watcher holds a handler thread: at most 16 watch at once
  // (docs/security.md).
  constexpr int kMaxWatchers = 16;
  std::mutex mu;
  std::condition_variable changed;
  int watching = 0;
  bool release = false;
  std::vector<std::thread> watchers;
  for (int i = 0; i < kMaxWatchers; ++i) {
    watchers.emplace_back([&] {
      RawCall(address_, friend_, kWatch, kCheckServer, 1, [&](int) {
        std::unique_lock<std::mutex> lock(mu);
        ++watching;
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
      });
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait_for(lock, std::chrono::seconds(10), [&] { return watching == kMaxWatchers; });
  }
  EXPECT_EQ(watching, kMaxWatchers);
  RawResult one_more = RawCall(address_, friend_, kWatch, kCheckServer, 1);
  EXPECT_EQ(one_more.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << one_more.status.error_message();
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    changed.notify_all();
  }
  for (std::thread& watcher : watchers) watcher.join();
  // Their places are free again once the server has seen them go (it looks
  // every 200 ms).
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  RawResult again = RawCall(address_, friend_, kWatch, kCheckServer, 1);
  while (again.messages.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    again = RawCall(address_, friend_, kWatch, kCheckServer, 1);
  }
  EXPECT_EQ(again.messages, std::vector<std::string>{kServing}) << again.status.error_message();
}

TEST_F(StandardServicesTest, AWatchSeesTheServerGoAndDoesNotHoldItUp) {
  std::thread shutdown;
  const absl::Time start = absl::Now();
  RawResult watched = RawCall(address_, friend_, kWatch, kCheckServer, 3, [&](int message) {
    if (message == 0) shutdown = std::thread([this] { server_->Shutdown(absl::Seconds(30)); });
  });
  if (shutdown.joinable()) shutdown.join();
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(watched.status.ok()) << watched.status.error_message();
  EXPECT_EQ(watched.messages, (std::vector<std::string>{kServing, kNotServing}));
  // Far below the 30 s grace, which Shutdown() would wait for a watcher
  // that stays.
  EXPECT_LT(took, absl::Seconds(15));
}

TEST_F(StandardServicesTest, ReflectionDescribesOnlyWhatTheServerServes) {
  RawResult served =
      RawCall(address_, friend_, kReflection, FileContaining("meshup_test.everything.Guarded"));
  ASSERT_TRUE(served.status.ok()) << served.status.error_message();
  ASSERT_EQ(served.messages.size(), 1u);
  EXPECT_THAT(served.messages[0], HasSubstr("meshup_test/everything.proto"));
  // Linked into this program, but served by no service of this server.
  ASSERT_NE(PingRequest::descriptor(), nullptr);
  ASSERT_NE(
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName("PingRequest"),
      nullptr);
  RawResult other = RawCall(address_, friend_, kReflection, FileContaining("PingRequest"));
  ASSERT_TRUE(other.status.ok()) << other.status.error_message();
  ASSERT_EQ(other.messages.size(), 1u);
  EXPECT_THAT(other.messages[0], Not(HasSubstr("nopackage.proto")));
  EXPECT_THAT(other.messages[0], HasSubstr("symbol PingRequest not found"));
}

}  // namespace
}  // namespace meshup
