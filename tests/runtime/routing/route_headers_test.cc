// A VirtualService's request header operations reach the server as gRPC
// metadata, on every call shape, over loopback with a real server.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::CountRequest;
using meshup_test::everything::Everything;

// Answers with the request headers the tests look at.
class HeaderService final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext& context, const meshup_test::common::Echo&,
                    meshup_test::common::Echo& response) override {
    response.set_text(Seen(context));
    return absl::OkStatus();
  }
  absl::Status Range(ServerContext& context, const CountRequest&,
                     ServerWriter<meshup_test::common::Echo>& writer) override {
    meshup_test::common::Echo echo;
    echo.set_text(Seen(context));
    writer.Write(echo);
    return absl::OkStatus();
  }

 private:
  static std::string Seen(ServerContext& context) {
    std::string seen;
    for (const char* name : {"end-user", "x-set", "x-added", "x-removed", "x-version"}) {
      absl::StrAppend(&seen, name, "=", context.header(name).value_or("-"), ";");
    }
    return seen;
  }
};

class RouteHeadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            absl::StrCat("meshup-route-headers-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "config");
    std::filesystem::create_directories(root_ / "registry");
    auto ca = testing::TestCa::Create((root_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("everything-sa");  // the IDL's service account
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = *identity;
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
    client_.reset();
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(root_);
  }

  // One process serving `everything` and calling it through the mesh, with
  // `config` as its configuration.
  void Start(const std::string& config) {
    std::ofstream(root_ / "config" / "routes.yaml") << config;
    MeshOptions options;
    options.service = "everything";
    options.version = "v1";
    options.identity_dir = identity_;
    options.config_dir = (root_ / "config").string();
    options.registry_dir = (root_ / "registry").string();
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    server_ = mesh_->NewServer();
    ASSERT_TRUE(server_->AddService(service_).ok());
    ASSERT_TRUE(server_->Start().ok());
    auto channel = mesh_->Connect("everything");
    ASSERT_TRUE(channel.ok()) << channel.status();
    client_ = std::make_unique<Everything::Client>(*channel);
  }

  // Echo's answer, once the server is registered (bounded wait).
  absl::StatusOr<Echo> Call(const CallOptions& options) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
    while (!reply.ok() && reply.status().code() == absl::StatusCode::kUnavailable &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
      reply = client_->Echo(Echo(), options);
    }
    return reply;
  }

  std::filesystem::path root_;
  std::string identity_;
  HeaderService service_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Everything::Client> client_;
};

constexpr char kRoutes[] = R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: everything}
spec:
  host: everything
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: everything}
spec:
  hosts: [everything]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    headers:
      request:
        set: {x-set: by-route}
        add: {x-added: "yes"}
        remove: [x-removed]
    route:
    - destination: {host: everything, subset: v1}
      headers:
        request:
          set: {x-version: v1}
  - route: [{destination: {host: everything}}]
)";

TEST_F(RouteHeadersTest, TheRoutesRequestHeaderOperationsReachTheServer) {
  ASSERT_NO_FATAL_FAILURE(Start(kRoutes));
  CallOptions jason;
  jason.headers = {{"end-user", "jason"}, {"x-set", "by-caller"}, {"x-removed", "r"}};
  absl::StatusOr<Echo> reply = Call(jason);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "end-user=jason;x-set=by-route;x-added=yes;x-removed=-;x-version=v1;");

  // A streaming call of the same route is changed alike.
  CountRequest request;
  auto stream = client_->Range(request, jason);
  Echo echo;
  ASSERT_TRUE(stream->Read(&echo));
  EXPECT_EQ(echo.text(), "end-user=jason;x-set=by-route;x-added=yes;x-removed=-;x-version=v1;");
  while (stream->Read(&echo)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(RouteHeadersTest, ARouteWithoutOperationsSendsTheCallersHeaders) {
  ASSERT_NO_FATAL_FAILURE(Start(kRoutes));
  CallOptions other;
  other.headers = {{"end-user", "bob"}, {"x-set", "by-caller"}, {"x-removed", "r"}};
  absl::StatusOr<Echo> reply = Call(other);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "end-user=bob;x-set=by-caller;x-added=-;x-removed=r;x-version=-;");
}

}  // namespace
}  // namespace meshup
