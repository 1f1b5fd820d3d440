// AuthorizationPolicy end to end: policies written into a running server's
// config directory apply within a second, denied calls never reach the
// handler, and no spelling of a method's path gets around a DENY.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc_adapter/handover.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "mtls_channel.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;

constexpr char kEchoPath[] = "/meshup_test.everything.Everything/Echo";

class CountingEcho final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    ++calls;
    response = request;
    return absl::OkStatus();
  }
  std::atomic<int> calls{0};
};

class AuthorizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-authz-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto ca = testing::TestCa::Create((dir_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("everything");
    ASSERT_TRUE(identity.ok()) << identity.status();
    auto caller = ca->Issue("raw-caller");
    ASSERT_TRUE(caller.ok()) << caller.status();
    caller_identity_ = *caller;
    std::filesystem::create_directories(dir_ / "config");
    MeshOptions options;
    options.service = "everything";
    options.config_dir = (dir_ / "config").string();
    options.identity_dir = *identity;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    server_ = mesh_->NewServer();
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok());
    address_ = absl::StrCat("127.0.0.1:", *port);
    auto channel = mesh_->Connect(address_);
    ASSERT_TRUE(channel.ok());
    client_ = std::make_unique<Everything::Client>(*channel);
  }
  void TearDown() override {
    client_.reset();
    server_->Shutdown(absl::Seconds(1));
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Apply(const std::string& name, const std::string& yaml) {
    const auto temporary = dir_ / "config" / ("." + name);
    std::ofstream(temporary) << yaml;
    std::filesystem::rename(temporary, dir_ / "config" / name);
  }

  // Calls Echo until it ends with `code`, for up to five seconds.
  bool EventuallyEchoes(absl::StatusCode code) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      if (client_->Echo(Echo()).status().code() == code) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::filesystem::path dir_;
  std::string caller_identity_;  // cert.pem, key.pem, root.pem of a workload
  CountingEcho service_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
  std::string address_;
  std::unique_ptr<Everything::Client> client_;
};

constexpr char kDenyEcho[] = R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-echo}
spec:
  selector: {matchLabels: {app: everything}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/meshup_test.everything.Everything/Echo"]}}]
)";

constexpr char kAllowAll[] = R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-all}
spec:
  action: ALLOW
  rules: [{}]
)";

TEST_F(AuthorizationTest, APolicyChangeAppliesLiveAndDeniedCallsNeverReachTheHandler) {
  ASSERT_TRUE(client_->Echo(Echo()).ok());
  Apply("allow.yaml", kAllowAll);
  Apply("deny.yaml", kDenyEcho);  // a matching DENY wins over a matching ALLOW
  ASSERT_TRUE(EventuallyEchoes(absl::StatusCode::kPermissionDenied));
  const int handled = service_.calls.load();
  absl::StatusOr<Echo> denied = client_->Echo(Echo());
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(), "RBAC: access denied");
  EXPECT_EQ(service_.calls.load(), handled);

  std::filesystem::remove(dir_ / "config" / "deny.yaml");
  EXPECT_TRUE(EventuallyEchoes(absl::StatusCode::kOk));
}

// Calls `path` with gRPC's generic stub and an empty message, over mTLS as
// the workload in `identity_dir` (the server is STRICT: a plaintext call
// would never reach its authorization).
grpc::Status RawCall(const std::string& address, const std::string& identity_dir,
                     const std::string& path) {
  // What gRPC's threads use is made and handed over inside gRPC's scope, as
  // MeshUp's own calls do (runtime/src/grpc_adapter/handover.h).
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
    std::promise<grpc::Status> done;
  };
  std::unique_ptr<Call> call;
  std::future<grpc::Status> result;
  {
    internal::GrpcCode in_grpc;
    auto channel = testing::MtlsChannel(address, identity_dir);
    grpc::GenericStub stub(channel);
    call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice empty("");
    call->request = grpc::ByteBuffer(&empty, 1);
    result = call->done.get_future();
    Call* handed_over = call.get();
    stub.UnaryCall(
        &call->context, path, grpc::StubOptions(), &call->request, &call->response,
        [handed_over](grpc::Status status) { handed_over->done.set_value(std::move(status)); });
  }
  return result.get();
}

// Every spelling a proxy or a lenient router might read as the denied
// method: gRPC dispatches only the exact :path, so each is either refused by
// the policy (the exact path) or matches no method (UNIMPLEMENTED); no other
// answer, and the handler never runs.
TEST_F(AuthorizationTest, NoSpellingOfAPathGetsPastADeny) {
  Apply("deny.yaml", kDenyEcho);
  ASSERT_TRUE(EventuallyEchoes(absl::StatusCode::kPermissionDenied));
  const int handled = service_.calls.load();
  const std::string kService = "/meshup_test.everything.Everything";
  const std::vector<std::string> spellings = {
      kEchoPath,
      // Repeated slashes.
      absl::StrCat("/", kEchoPath), kService + "//Echo", kService + "/Echo//",
      // Dot segments, plain and percent-encoded.
      kService + "/./Echo", kService + "/../Everything/Echo", kService + "/Echo/.",
      kService + "/x/../Echo", kService + "/%2E/Echo", kService + "/%2e%2e/Everything/Echo",
      // Percent-encoding: a letter, the dot, the slash, double encoding.
      kService + "/%45cho", "/meshup_test%2Eeverything.Everything/Echo", kService + "%2FEcho",
      kService + "%2fEcho", kService + "/%2545cho", kService + "/Echo%20",
      // Case.
      "/MESHUP_TEST.everything.Everything/Echo", kService + "/echo", kService + "/ECHO",
      // NUL bytes, raw and encoded.
      std::string(kEchoPath) + std::string(1, '\0'), kService + std::string(1, '\0') + "/Echo",
      std::string(kEchoPath) + "%00",
      // Missing leading slash, trailing slash, query, fragment, parameters.
      "meshup_test.everything.Everything/Echo", kService + "/Echo/", kService + "/Echo?x=1",
      kService + "/Echo#x", kService + "/Echo;x=1"};
  // The exact path reaches the server and its policy: the raw calls work.
  EXPECT_EQ(RawCall(address_, caller_identity_, kEchoPath).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (const std::string& path : spellings) {
    grpc::Status status = RawCall(address_, caller_identity_, path);
    EXPECT_TRUE(status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
                status.error_code() == grpc::StatusCode::UNIMPLEMENTED)
        << absl::CHexEscape(path) << " answered " << status.error_code() << " "
        << status.error_message();
  }
  EXPECT_EQ(service_.calls.load(), handled) << "a denied method's handler ran";
}

}  // namespace
}  // namespace meshup
