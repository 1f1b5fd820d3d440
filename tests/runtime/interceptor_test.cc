// The user's interceptors (meshup/interceptor.h) on a Mesh's calls and a
// Server's calls: what they see, what they can change, where they sit among
// the mesh's own filters, and that they cannot take a call or the server
// down.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;
using meshup_test::everything::Everything;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A log of events from several threads.
class EventLog {
 public:
  void Log(const std::string& event) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(event);
  }
  std::vector<std::string> TakeLog() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(log_);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> log_;  // guarded by mu_
};

// Echo and QuickEcho (non-blocking) answer "<text>|<x-test header>"; Range
// streams `count` echoes; Count counts the calls that reached it.
class TestService final : public Everything::Service, public EventLog {
 public:
  absl::Status Echo(ServerContext& context, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    Log("handler");
    response.set_text(absl::StrCat(request.text(), "|", context.header("x-test").value_or("")));
    return absl::OkStatus();
  }
  absl::Status QuickEcho(ServerContext& context, const meshup_test::common::Echo& request,
                         meshup_test::common::Echo& response) override {
    return Echo(context, request, response);
  }
  absl::Status Range(ServerContext&, const CountRequest& request,
                     ServerWriter<meshup_test::common::Echo>& writer) override {
    for (int i = 0; i < request.count(); ++i) writer.Write(meshup_test::common::Echo());
    return absl::OkStatus();
  }
  absl::Status Count(ServerContext&, const CountRequest&, CountReply& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    response.set_attempts(++calls_);
    return absl::OkStatus();
  }

  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  int calls_ = 0;  // guarded by mu_
};

// Adds "x-test: <value>" to every call, refuses calls whose x-refuse header
// is set, and records what it saw at the start and end of each call.
class HeaderInterceptor final : public ClientInterceptor {
 public:
  explicit HeaderInterceptor(std::string value) : value_(std::move(value)) {}

  absl::Status OnStart(ClientCallInfo& call) override {
    std::lock_guard<std::mutex> lock(mu_);
    started_.push_back(&call);
    for (const auto& [name, value] : call.options.headers) {
      if (name == "x-refuse") return absl::PermissionDeniedError("refused by the interceptor");
    }
    call.options.headers.emplace_back("x-test", value_);
    events_.push_back(absl::StrCat("start ", call.method.name, " to ", call.target));
    return absl::OkStatus();
  }
  void OnEnd(const ClientCallInfo& call, const absl::Status& result) override {
    std::lock_guard<std::mutex> lock(mu_);
    const bool same_call = !started_.empty() && started_.back() == &call;
    events_.push_back(absl::StrCat("end ", call.method.name, " ",
                                   absl::StatusCodeToString(result.code()),
                                   same_call ? "" : " (another call)"));
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  const std::string value_;
  std::mutex mu_;
  std::vector<const ClientCallInfo*> started_;  // guarded by mu_
  std::vector<std::string> events_;             // guarded by mu_
};

// Logs its name around the rest of the chain into the service's log;
// answers PERMISSION_DENIED itself when the caller sent "x-deny: <name>",
// and throws when it sent "x-throw: <name>".
class LoggingServerInterceptor final : public ServerInterceptor {
 public:
  LoggingServerInterceptor(std::string name, TestService& service)
      : name_(std::move(name)), service_(service) {}

  absl::Status Intercept(ServerContext& context, absl::FunctionRef<absl::Status()> next) override {
    if (context.header("x-throw") == name_) throw std::runtime_error("interceptor boom");
    if (context.header("x-deny") == name_) {
      service_.Log(absl::StrCat(name_, " denied ", context.method().name));
      return absl::PermissionDeniedError(absl::StrCat(name_, " says no"));
    }
    service_.Log(absl::StrCat(name_, " in"));
    absl::Status status = next();
    service_.Log(absl::StrCat(name_, " out ", absl::StatusCodeToString(status.code())));
    return status;
  }

 private:
  const std::string name_;
  TestService& service_;
};

class InterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-interceptor-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "config");
    auto ca = testing::TestCa::Create((dir_ / "ca").string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("everything");
    ASSERT_TRUE(identity.ok()) << identity.status();
    // A call to the mesh service `everything` with "x-test: abort" is
    // aborted by its route; any other finds no endpoint (no registry).
    std::ofstream(dir_ / "config" / "routes.yaml") << R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: everything}
spec:
  hosts: [everything]
  http:
  - match: [{headers: {x-test: {exact: abort}}}]
    fault: {abort: {percentage: {value: 100}, grpcStatus: ABORTED}}
    route: [{destination: {host: everything}}]
  - route: [{destination: {host: everything}}]
)";
    MeshOptions options;
    options.service = "everything";
    options.identity_dir = *identity;
    options.config_dir = (dir_ / "config").string();
    options.client_interceptors = {client_interceptor_};
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    ServerOptions server_options;
    server_options.interceptors = {std::make_shared<LoggingServerInterceptor>("outer", service_),
                                   std::make_shared<LoggingServerInterceptor>("inner", service_)};
    server_ = mesh_->NewServer(server_options);
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    auto channel = mesh_->Connect(absl::StrCat("127.0.0.1:", *port));
    ASSERT_TRUE(channel.ok()) << channel.status();
    target_ = absl::StrCat("127.0.0.1:", *port);
    client_ = std::make_unique<Everything::Client>(*channel);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
    client_.reset();
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The client side's istio_requests_total lines of the Mesh's /metrics.
  std::string ClientRequestCounts() {
    auto metrics =
        testing::HttpGet(absl::StrCat("http://127.0.0.1:", mesh_->admin_port(), "/metrics"));
    EXPECT_TRUE(metrics.ok()) << metrics.status();
    const std::string body = metrics.ok() ? metrics->body : "";
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      if (absl::StartsWith(line, "istio_requests_total{") &&
          absl::StrContains(line, "reporter=\"source\"")) {
        lines.emplace_back(line);
      }
    }
    return absl::StrJoin(lines, "\n");
  }

  std::filesystem::path dir_;
  TestService service_;
  std::shared_ptr<HeaderInterceptor> client_interceptor_ =
      std::make_shared<HeaderInterceptor>("from-interceptor");
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Everything::Client> client_;
  std::string target_;
};

TEST_F(InterceptorTest, AClientInterceptorsHeaderReachesTheHandlerAndItSeesTheResult) {
  Echo request;
  request.set_text("hi");
  absl::StatusOr<Echo> reply = client_->Echo(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "hi|from-interceptor");
  EXPECT_THAT(client_interceptor_->events(),
              ElementsAre(absl::StrCat("start Echo to ", target_), "end Echo OK"));
}

TEST_F(InterceptorTest, AsyncCallsAndStreamsGoThroughClientInterceptorsToo) {
  Echo request;
  request.set_text("async");
  std::mutex mu;
  std::condition_variable done;
  std::optional<absl::StatusOr<Echo>> result;
  std::vector<std::string> events_at_done;
  client_->QuickEchoAsync(request, [&](absl::StatusOr<Echo> reply) {
    std::vector<std::string> events = client_interceptor_->events();
    std::lock_guard<std::mutex> lock(mu);
    events_at_done = std::move(events);
    result = std::move(reply);
    done.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(10), [&] { return result.has_value(); }));
    ASSERT_TRUE(result->ok()) << result->status();
    EXPECT_EQ((*result)->text(), "async|from-interceptor");
    // The interceptor saw the end before the callback ran.
    EXPECT_THAT(events_at_done,
                ElementsAre(absl::StrCat("start QuickEcho to ", target_), "end QuickEcho OK"));
  }
  CountRequest range;
  range.set_count(2);
  auto stream = client_->Range(range);
  Echo echo;
  int read = 0;
  while (stream->Read(&echo)) ++read;
  EXPECT_EQ(read, 2);
  EXPECT_TRUE(stream->Finish().ok());
  stream.reset();  // a stream's call ends when it goes
  EXPECT_THAT(client_interceptor_->events(),
              ElementsAre(absl::StrCat("start QuickEcho to ", target_), "end QuickEcho OK",
                          absl::StrCat("start Range to ", target_), "end Range OK"));
}

TEST_F(InterceptorTest, AClientInterceptorsRefusalEndsTheCallUnseenByTheMesh) {
  const std::string before = ClientRequestCounts();
  CallOptions options;
  options.headers = {{"x-refuse", "1"}};
  absl::StatusOr<CountReply> reply = client_->Count(CountRequest(), options);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(reply.status().message(), HasSubstr("refused by the interceptor"));
  EXPECT_EQ(service_.calls(), 0);
  // Its OnEnd still ran, with the refusal.
  EXPECT_THAT(client_interceptor_->events(), ElementsAre("end Count PERMISSION_DENIED"));
  EXPECT_EQ(ClientRequestCounts(), before);
}

TEST_F(InterceptorTest, AHeaderAClientInterceptorAddsCanSelectARoute) {
  auto channel = mesh_->Connect("everything");
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto abort_interceptor = std::make_shared<HeaderInterceptor>("abort");
  // A second Mesh whose interceptor sets the header the route's fault matches.
  MeshOptions options = mesh_->options();
  options.client_interceptors = {abort_interceptor};
  options.admin_port = -1;
  auto aborting = Mesh::Create(options);
  ASSERT_TRUE(aborting.ok()) << aborting.status();
  auto aborting_channel = (*aborting)->Connect("everything");
  ASSERT_TRUE(aborting_channel.ok()) << aborting_channel.status();

  absl::StatusOr<Echo> routed = Everything::Client(*aborting_channel).Echo(Echo());
  EXPECT_EQ(routed.status().code(), absl::StatusCode::kAborted) << routed.status();
  // Without that header the route has no fault: the call finds no endpoint.
  absl::StatusOr<Echo> plain = Everything::Client(*channel).Echo(Echo());
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kUnavailable) << plain.status();
}

// Logs "<name> start" and "<name> end <code>" into a shared log; refuses or
// throws at the start when told to.
class LoggingClientInterceptor final : public ClientInterceptor {
 public:
  enum class Start { kPass, kRefuse, kThrow };
  LoggingClientInterceptor(std::string name, std::shared_ptr<EventLog> log, Start start)
      : name_(std::move(name)), log_(std::move(log)), start_(start) {}

  absl::Status OnStart(ClientCallInfo&) override {
    log_->Log(absl::StrCat(name_, " start"));
    if (start_ == Start::kThrow) throw std::runtime_error("client interceptor boom");
    if (start_ == Start::kRefuse) return absl::UnauthenticatedError(name_ + " refused");
    return absl::OkStatus();
  }
  void OnEnd(const ClientCallInfo&, const absl::Status& result) override {
    log_->Log(absl::StrCat(name_, " end ", absl::StatusCodeToString(result.code())));
    throw std::runtime_error("dropped");  // must not reach the caller
  }

 private:
  const std::string name_;
  const std::shared_ptr<EventLog> log_;
  const Start start_;
};

// A Mesh like the fixture's whose client interceptors are `interceptors`.
absl::StatusOr<std::unique_ptr<Mesh>> MeshWith(
    const Mesh& like, std::vector<std::shared_ptr<ClientInterceptor>> interceptors) {
  MeshOptions options = like.options();
  options.client_interceptors = std::move(interceptors);
  options.admin_port = -1;
  return Mesh::Create(options);
}

TEST_F(InterceptorTest, ClientInterceptorsEndInTheReverseOrderAndARefusalSkipsTheRest) {
  using Start = LoggingClientInterceptor::Start;
  auto log = std::make_shared<EventLog>();
  auto mesh = MeshWith(*mesh_, {std::make_shared<LoggingClientInterceptor>("a", log, Start::kPass),
                                std::make_shared<LoggingClientInterceptor>("b", log, Start::kRefuse),
                                std::make_shared<LoggingClientInterceptor>("c", log, Start::kPass)});
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  auto channel = (*mesh)->Connect(target_);
  ASSERT_TRUE(channel.ok()) << channel.status();
  absl::StatusOr<Echo> reply = Everything::Client(*channel).Echo(Echo());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(reply.status().message(), "b refused");
  EXPECT_THAT(log->TakeLog(), ElementsAre("a start", "b start", "b end UNAUTHENTICATED",
                                          "a end UNAUTHENTICATED"));
  EXPECT_TRUE(service_.TakeLog().empty());  // nothing reached the server
}

TEST_F(InterceptorTest, AClientInterceptorThatThrowsEndsTheCallWithInternal) {
  using Start = LoggingClientInterceptor::Start;
  auto log = std::make_shared<EventLog>();
  auto mesh = MeshWith(*mesh_, {std::make_shared<LoggingClientInterceptor>("a", log, Start::kThrow)});
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  auto channel = (*mesh)->Connect(target_);
  ASSERT_TRUE(channel.ok()) << channel.status();
  absl::StatusOr<Echo> reply = Everything::Client(*channel).Echo(Echo());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("client interceptor boom"));
  EXPECT_THAT(log->TakeLog(), ElementsAre("a start", "a end INTERNAL"));
}

TEST_F(InterceptorTest, AStreamThatOutlivesItsMeshEndsForItsInterceptorsWhenItGoes) {
  using Start = LoggingClientInterceptor::Start;
  auto log = std::make_shared<EventLog>();
  auto mesh = MeshWith(*mesh_, {std::make_shared<LoggingClientInterceptor>("a", log, Start::kPass)});
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  auto channel = (*mesh)->Connect(target_);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stream = Everything::Client(*channel).Chat();
  mesh->reset();  // the stream is cancelled, and the interceptor not yet told
  EXPECT_THAT(log->TakeLog(), ElementsAre("a start"));
  stream.reset();
  EXPECT_THAT(log->TakeLog(), ElementsAre("a end CANCELLED"));
}

TEST_F(InterceptorTest, ServerInterceptorsRunAroundTheHandlerInTheOrderGiven) {
  ASSERT_TRUE(client_->Echo(Echo()).ok());
  EXPECT_THAT(service_.TakeLog(),
              ElementsAre("outer in", "inner in", "handler", "inner out OK", "outer out OK"));
  // A non-blocking method too.
  ASSERT_TRUE(client_->QuickEcho(Echo()).ok());
  EXPECT_THAT(service_.TakeLog(),
              ElementsAre("outer in", "inner in", "handler", "inner out OK", "outer out OK"));
}

TEST_F(InterceptorTest, AServerInterceptorCanAnswerTheCallWithoutTheHandler) {
  CallOptions options;
  options.headers = {{"x-deny", "inner"}};
  absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(reply.status().message(), "inner says no");
  EXPECT_THAT(service_.TakeLog(),
              ElementsAre("outer in", "inner denied Echo", "outer out PERMISSION_DENIED"));
}

TEST_F(InterceptorTest, AServerInterceptorThatThrowsGivesInternalAndTheServerLives) {
  CallOptions options;
  options.headers = {{"x-throw", "outer"}};
  absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("interceptor boom"));
  EXPECT_TRUE(client_->Echo(Echo()).ok());
}

TEST(InterceptorOptionsTest, ANullInterceptorIsRefusedWithItsPlace) {
  MeshOptions options;
  options.service = "everything";
  options.admin_port = -1;
  options.client_interceptors = {nullptr};
  auto mesh = Mesh::Create(options);
  EXPECT_EQ(mesh.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mesh.status().message(), HasSubstr("MeshOptions.client_interceptors[0] is null"));

  options.client_interceptors.clear();
  mesh = Mesh::Create(options);
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  ServerOptions server_options;
  server_options.interceptors = {nullptr};
  auto server = (*mesh)->NewServer(server_options);
  absl::StatusOr<int> port = server->Start();
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(port.status().message(), HasSubstr("ServerOptions.interceptors[0] is null"));
}

}  // namespace
}  // namespace meshup
