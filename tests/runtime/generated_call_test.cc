// Calls through generated clients to a generated service over loopback:
// every call shape, errors and deadlines as Status, and the IDL's options
// applied by the runtime.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
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
using ::testing::HasSubstr;

class TestService final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    if (request.text() == "throw") throw std::runtime_error("boom");
    response = request;
    return absl::OkStatus();
  }

  // Tells the caller what it knows of the call: the text, the caller's
  // identity and the x-test header.
  absl::Status QuickEcho(ServerContext& context, const meshup_test::common::Echo& request,
                         meshup_test::common::Echo& response) override {
    if (request.text() == "throw") throw std::runtime_error("boom");
    if (request.text() == "refuse") return absl::FailedPreconditionError("refused as asked");
    response = request;
    response.set_text(absl::StrCat(request.text(), "|", context.peer_identity(), "|",
                                   context.header("x-test").value_or("")));
    return absl::OkStatus();
  }

  absl::Status Count(ServerContext& context, const CountRequest& request,
                     CountReply& response) override {
    return CountAttempt(context, request, response);
  }

  absl::Status CountOnce(ServerContext& context, const CountRequest& request,
                         CountReply& response) override {
    return CountAttempt(context, request, response);
  }

  absl::Status Slow(ServerContext& context, const CountRequest& request,
                    google::protobuf::Empty&) override {
    Hold(context, request.hold_ms());
    return absl::OkStatus();
  }

  absl::Status Nest(ServerContext&, const meshup_test::everything::Outer& request,
                    meshup_test::everything::Outer_Inner& response) override {
    response.set_value(absl::StrCat(request.inner().value(), "@", request.when().seconds()));
    return absl::OkStatus();
  }

  absl::Status Range(ServerContext&, const CountRequest& request,
                     ServerWriter<meshup_test::common::Echo>& writer) override {
    for (int i = 0; i < request.count(); ++i) {
      meshup_test::common::Echo echo;
      echo.set_sequence(i);
      if (!writer.Write(echo)) break;
    }
    return absl::OkStatus();
  }

  absl::Status Join(ServerContext&, ServerReader<meshup_test::common::Echo>& reader,
                    meshup_test::common::Echo& response) override {
    meshup_test::common::Echo echo;
    std::string joined;
    while (reader.Read(&echo)) absl::StrAppend(&joined, joined.empty() ? "" : "+", echo.text());
    response.set_text(joined);
    return absl::OkStatus();
  }

  absl::Status Chat(
      ServerContext&,
      ServerReaderWriter<meshup_test::common::Echo, meshup_test::common::Echo>& stream) override {
    meshup_test::common::Echo echo;
    while (stream.Read(&echo)) {
      echo.set_text(absl::StrCat("re: ", echo.text()));
      if (!stream.Write(echo)) break;
    }
    return absl::OkStatus();
  }

  int attempts(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[key];
  }

 private:
  // Waits `ms` milliseconds, or until the call is cancelled.
  static void Hold(ServerContext& context, int ms) {
    const absl::Time until = absl::Now() + absl::Milliseconds(ms);
    while (!context.IsCancelled() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
  }

  absl::Status CountAttempt(ServerContext& context, const CountRequest& request,
                            CountReply& response) {
    int attempt;
    {
      std::lock_guard<std::mutex> lock(mu_);
      attempt = ++attempts_[request.key()];
    }
    if (request.fail_with_code() != 0) {
      return absl::Status(static_cast<absl::StatusCode>(request.fail_with_code()),
                          absl::StrCat("failing ", request.key(), " as asked"));
    }
    if (attempt <= request.fail_first()) {
      if (request.hold_ms() > 0) {
        Hold(context, request.hold_ms());
        return absl::DeadlineExceededError("held");
      }
      return absl::UnavailableError(absl::StrCat("attempt ", attempt, " fails"));
    }
    response.set_attempts(attempt);
    response.set_header_value(std::string(context.header("x-test").value_or("")));
    return absl::OkStatus();
  }

  std::mutex mu_;
  std::map<std::string, int> attempts_;  // guarded by mu_
};

class GeneratedCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_dir_ =
        std::filesystem::temp_directory_path() / absl::StrCat("meshup-generated-call-", getpid());
    auto ca = testing::TestCa::Create(ca_dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("everything");
    ASSERT_TRUE(identity.ok()) << identity.status();
    MeshOptions options;
    options.service = "everything";
    options.identity_dir = *identity;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    server_ = mesh_->NewServer();
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    auto channel = mesh_->Connect(absl::StrCat("127.0.0.1:", *port));
    ASSERT_TRUE(channel.ok()) << channel.status();
    client_ = std::make_unique<Everything::Client>(*channel);
    // Connect now, so that tests with short per-try timeouts time calls, not
    // the connection's set-up.
    ASSERT_TRUE(client_->Echo(meshup_test::common::Echo()).ok());
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
    // The mesh watches its identity files: it goes before they do.
    client_.reset();
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(ca_dir_);
  }

  std::filesystem::path ca_dir_;
  TestService service_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Everything::Client> client_;
};

TEST_F(GeneratedCallTest, UnaryCallRoundTrips) {
  Echo request;
  request.set_text("hello");
  request.set_sequence(7);
  absl::StatusOr<Echo> reply = client_->Echo(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "hello");
  EXPECT_EQ(reply->sequence(), 7);
}

// What an asynchronous call delivered. Shared with the callback, so that a
// callback arriving after a failed wait writes to live memory.
template <class Reply>
struct AsyncResult {
  std::mutex mu;
  std::condition_variable called;
  absl::StatusOr<Reply> reply = absl::UnknownError("not called");  // guarded by mu
  int calls = 0;                                                   // guarded by mu

  std::function<void(absl::StatusOr<Reply>)> Callback(std::shared_ptr<AsyncResult> self) {
    return [self](absl::StatusOr<Reply> result) {
      std::lock_guard<std::mutex> lock(self->mu);
      self->reply = std::move(result);
      ++self->calls;
      self->called.notify_all();
    };
  }
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu);
    return called.wait_for(lock, std::chrono::seconds(10), [this] { return calls > 0; });
  }
};

TEST_F(GeneratedCallTest, AsyncUnaryCallRunsTheCallbackOnce) {
  Echo request;
  request.set_text("async");
  auto result = std::make_shared<AsyncResult<Echo>>();
  client_->EchoAsync(request, result->Callback(result));
  ASSERT_TRUE(result->Wait());
  // Once the server has stopped, no callback can still be on its way.
  server_->Shutdown(absl::Seconds(1));
  server_->Wait();
  std::lock_guard<std::mutex> lock(result->mu);
  ASSERT_TRUE(result->reply.ok()) << result->reply.status();
  EXPECT_EQ(result->reply->text(), "async");
  EXPECT_EQ(result->calls, 1);
}

TEST_F(GeneratedCallTest, AsyncUnaryCallReportsErrors) {
  Echo request;
  request.set_text("throw");
  auto result = std::make_shared<AsyncResult<Echo>>();
  client_->EchoAsync(request, result->Callback(result));
  ASSERT_TRUE(result->Wait());
  std::lock_guard<std::mutex> lock(result->mu);
  EXPECT_EQ(result->reply.status().code(), absl::StatusCode::kInternal);
}

TEST_F(GeneratedCallTest, AsyncCallWithABadHeaderFailsOnARuntimeThread) {
  auto result = std::make_shared<AsyncResult<Echo>>();
  CallOptions options;
  options.headers.emplace_back("Bad Name", "x");
  const std::thread::id caller = std::this_thread::get_id();
  auto seen_on = std::make_shared<std::thread::id>();
  client_->EchoAsync(
      Echo(),
      [result, seen_on](absl::StatusOr<Echo> reply) {
        *seen_on = std::this_thread::get_id();
        result->Callback(result)(std::move(reply));
      },
      options);
  ASSERT_TRUE(result->Wait());
  std::lock_guard<std::mutex> lock(result->mu);
  EXPECT_EQ(result->reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(*seen_on, caller);
}

TEST_F(GeneratedCallTest, BadHeadersAreRefusedBeforeSending) {
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"End-User", "jason"},
                                                        {":path", "/x"},
                                                        {"grpc-timeout", "1S"},
                                                        {"x-a", "line\nbreak"}}) {
    CallOptions options;
    options.headers.emplace_back(name, value);
    absl::StatusOr<Echo> reply = client_->Echo(Echo(), options);
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

// The value of the client's istio_requests_total series whose labels hold
// `status_label`, from the admin server's /metrics; 0 when there is none.
int SourceRequests(int admin_port, const std::string& status_label) {
  auto answer = testing::HttpGet(absl::StrCat("http://127.0.0.1:", admin_port, "/metrics"));
  EXPECT_TRUE(answer.ok()) << answer.status();
  if (!answer.ok()) return 0;
  int total = 0;
  for (absl::string_view line : absl::StrSplit(answer->body, '\n')) {
    if (!absl::StartsWith(line, "istio_requests_total{reporter=\"source\"") ||
        !absl::StrContains(line, status_label)) {
      continue;
    }
    total += std::stoi(std::string(line.substr(line.rfind(' ') + 1)));
  }
  return total;
}

TEST_F(GeneratedCallTest, RefusedCallsAreCountedWithTheirStatus) {
  CallOptions options;
  options.headers.emplace_back("Bad Name", "x");
  EXPECT_EQ(client_->Echo(Echo(), options).status().code(), absl::StatusCode::kInvalidArgument);
  auto result = std::make_shared<AsyncResult<Echo>>();
  client_->EchoAsync(Echo(), result->Callback(result), options);
  ASSERT_TRUE(result->Wait());
  // Both calls reported before they returned: INVALID_ARGUMENT (3), not
  // CANCELLED (1) as an abandoned call would be.
  EXPECT_EQ(SourceRequests(mesh_->admin_port(), "grpc_response_status=\"3\""), 2);
  EXPECT_EQ(SourceRequests(mesh_->admin_port(), "grpc_response_status=\"1\""), 0);
}

TEST_F(GeneratedCallTest, ServerStreamingDeliversEveryMessageInOrder) {
  CountRequest request;
  request.set_count(5);
  auto reader = client_->Range(request);
  Echo echo;
  std::vector<int> sequences;
  while (reader->Read(&echo)) sequences.push_back(echo.sequence());
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sequences, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(GeneratedCallTest, ClientStreamingGetsOneResponse) {
  auto writer = client_->Join();
  for (const char* text : {"a", "b", "c"}) {
    Echo echo;
    echo.set_text(text);
    ASSERT_TRUE(writer->Write(echo));
  }
  absl::StatusOr<Echo> joined = writer->Finish();
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->text(), "a+b+c");
}

TEST_F(GeneratedCallTest, BidiStreamingAnswersEachMessage) {
  auto stream = client_->Chat();
  for (const char* text : {"one", "two"}) {
    Echo echo;
    echo.set_text(text);
    ASSERT_TRUE(stream->Write(echo));
    Echo answer;
    ASSERT_TRUE(stream->Read(&answer));
    EXPECT_EQ(answer.text(), absl::StrCat("re: ", text));
  }
  stream->WritesDone();
  Echo extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(GeneratedCallTest, AStreamDroppedBeforeFinishIsCancelledCleanly) {
  for (int i = 0; i < 20; ++i) {
    auto stream = client_->Chat();
    Echo echo;
    echo.set_text("half-way");
    ASSERT_TRUE(stream->Write(echo));
    ASSERT_TRUE(stream->Read(&echo));
    // Dropped here, without WritesDone() or Finish().
  }
  EXPECT_TRUE(client_->Echo(Echo()).ok());
}

TEST_F(GeneratedCallTest, NestedMessagesAndWellKnownTypes) {
  meshup_test::everything::Outer outer;
  outer.mutable_inner()->set_value("in");
  outer.mutable_when()->set_seconds(42);
  auto inner = client_->Nest(outer);
  ASSERT_TRUE(inner.ok()) << inner.status();
  EXPECT_EQ(inner->value(), "in@42");
}

TEST_F(GeneratedCallTest, HandlerErrorsReachTheCallerAsStatus) {
  CountRequest request;
  request.set_key("not-found");
  request.set_fail_with_code(static_cast<int>(absl::StatusCode::kNotFound));
  absl::StatusOr<CountReply> reply = client_->CountOnce(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reply.status().message(), "failing not-found as asked");
}

TEST_F(GeneratedCallTest, AMethodTheServerLeftAloneIsUnimplemented) {
  absl::StatusOr<google::protobuf::Empty> reply = client_->Missing(google::protobuf::Empty());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(reply.status().message(), HasSubstr("/meshup_test.everything.Everything/Missing"));
}

TEST_F(GeneratedCallTest, AHandlerThatThrowsGivesInternalAndTheServerLives) {
  Echo request;
  request.set_text("throw");
  absl::StatusOr<Echo> reply = client_->Echo(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("threw: boom"));
  request.set_text("still here");
  EXPECT_TRUE(client_->Echo(request).ok());
}

TEST_F(GeneratedCallTest, TheIdlTimeoutBoundsTheCall) {
  CountRequest request;
  request.set_hold_ms(10000);
  const absl::Time start = absl::Now();
  absl::StatusOr<google::protobuf::Empty> reply = client_->Slow(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  // Slow's IDL timeout is 200ms; the bound is loose so that a loaded machine
  // does not fail the test, and still far below the handler's 10 s hold.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(GeneratedCallTest, TheCallersTimeoutBoundsTheCall) {
  CountRequest request;
  request.set_key("caller-timeout");
  request.set_fail_first(1);
  request.set_hold_ms(10000);
  CallOptions options;
  options.timeout = absl::Milliseconds(100);
  const absl::Time start = absl::Now();
  absl::StatusOr<CountReply> reply = client_->CountOnce(request, options);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(GeneratedCallTest, IdempotentMethodsAreRetriedAsTheIdlSays) {
  CountRequest request;
  request.set_key("retried");
  request.set_fail_first(2);
  absl::StatusOr<CountReply> reply = client_->Count(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->attempts(), 3);
}

TEST_F(GeneratedCallTest, RetriesStopAfterTheIdlsAttempts) {
  CountRequest request;
  request.set_key("exhausted");
  request.set_fail_first(10);
  absl::StatusOr<CountReply> reply = client_->Count(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.attempts("exhausted"), 3);
}

TEST_F(GeneratedCallTest, NonIdempotentMethodsAreNotRetried) {
  CountRequest request;
  request.set_key("once");
  request.set_fail_first(1);
  absl::StatusOr<CountReply> reply = client_->CountOnce(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.attempts("once"), 1);
}

TEST_F(GeneratedCallTest, AnAttemptPastItsPerTryTimeoutIsRetried) {
  CountRequest request;
  request.set_key("per-try");
  request.set_fail_first(1);
  request.set_hold_ms(10000);  // the first attempt hangs past Count's 300ms per-try timeout
  absl::StatusOr<CountReply> reply = client_->Count(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->attempts(), 2);
}

TEST_F(GeneratedCallTest, AsyncCallsAreRetriedToo) {
  CountRequest request;
  request.set_key("async-retried");
  request.set_fail_first(2);
  auto result = std::make_shared<AsyncResult<CountReply>>();
  client_->CountAsync(request, result->Callback(result));
  ASSERT_TRUE(result->Wait());
  std::lock_guard<std::mutex> lock(result->mu);
  absl::StatusOr<CountReply> reply = result->reply;
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->attempts(), 3);
}

TEST_F(GeneratedCallTest, RequestHeadersReachTheHandler) {
  CountRequest request;
  request.set_key("headers");
  CallOptions options;
  options.headers.emplace_back("x-test", "jason");
  absl::StatusOr<CountReply> reply = client_->CountOnce(request, options);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->header_value(), "jason");
}

TEST_F(GeneratedCallTest, ANonBlockingMethodSeesTheCallersIdentityAndHeaders) {
  Echo request;
  request.set_text("quick");
  request.set_sequence(3);
  CallOptions options;
  options.headers.emplace_back("x-test", "jason");
  absl::StatusOr<Echo> reply = client_->QuickEcho(request, options);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "quick|spiffe://cluster.local/ns/default/sa/everything|jason");
  EXPECT_EQ(reply->sequence(), 3);
}

TEST_F(GeneratedCallTest, ANonBlockingHandlersErrorReachesTheCaller) {
  Echo request;
  request.set_text("refuse");
  absl::StatusOr<Echo> reply = client_->QuickEcho(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reply.status().message(), "refused as asked");
}

TEST_F(GeneratedCallTest, ANonBlockingHandlerThatThrowsGivesInternalAndTheServerLives) {
  Echo request;
  request.set_text("throw");
  absl::StatusOr<Echo> reply = client_->QuickEcho(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("QuickEcho threw: boom"));
  request.set_text("still here");
  EXPECT_TRUE(client_->QuickEcho(request).ok());
}

TEST_F(GeneratedCallTest, ManyNonBlockingCallsAtOnceEachGetTheirOwnReply) {
  constexpr int kCalls = 200;
  std::vector<std::shared_ptr<AsyncResult<Echo>>> results;
  for (int i = 0; i < kCalls; ++i) {
    Echo request;
    request.set_text(absl::StrCat("call ", i));
    results.push_back(std::make_shared<AsyncResult<Echo>>());
    client_->QuickEchoAsync(request, results.back()->Callback(results.back()));
  }
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(results[i]->Wait()) << "call " << i << " never completed";
    std::lock_guard<std::mutex> lock(results[i]->mu);
    ASSERT_TRUE(results[i]->reply.ok()) << results[i]->reply.status();
    EXPECT_TRUE(absl::StartsWith(results[i]->reply->text(), absl::StrCat("call ", i, "|")))
        << results[i]->reply->text();
    EXPECT_EQ(results[i]->calls, 1);
  }
}

TEST_F(GeneratedCallTest, AServerMixingNonBlockingAndBlockingMethodsSaysSoAtStart) {
  TestService mixed;
  std::unique_ptr<Server> server = mesh_->NewServer();
  ASSERT_TRUE(server->AddService(mixed).ok());
  ::testing::internal::CaptureStderr();
  absl::StatusOr<int> port = server->Start();
  const std::string said = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_THAT(said, HasSubstr(absl::StrCat(
                        "the server on 127.0.0.1:", *port,
                        " serves non-blocking methods (/meshup_test.everything.Everything/"
                        "QuickEcho) beside blocking ones (/meshup_test.everything.Everything/")));
  server->Shutdown(absl::Seconds(1));

  meshup_test::everything::Plain::Service plain;
  std::unique_ptr<Server> blocking_only = mesh_->NewServer();
  ASSERT_TRUE(blocking_only->AddService(plain).ok());
  ::testing::internal::CaptureStderr();
  port = blocking_only->Start();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), ::testing::Not(HasSubstr("non-blocking")));
  ASSERT_TRUE(port.ok()) << port.status();
  blocking_only->Shutdown(absl::Seconds(1));
}

TEST(GeneratedInfoTest, CarriesTheIdlOptions) {
  const ServiceInfo& info = Everything::Info();
  EXPECT_EQ(info.full_name, "meshup_test.everything.Everything");
  EXPECT_EQ(info.mesh_name, "everything");
  EXPECT_EQ(info.port, 7070u);
  EXPECT_EQ(info.service_account, "everything-sa");
  ASSERT_EQ(info.methods.size(), 10u);

  const MethodInfo* count = info.FindMethod("/meshup_test.everything.Everything/Count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->name, "Count");
  EXPECT_EQ(count->kind, RpcKind::kUnary);
  EXPECT_EQ(count->timeout, absl::Seconds(3));
  EXPECT_TRUE(count->idempotent);
  EXPECT_EQ(count->retry.attempts, 3);
  EXPECT_EQ(count->retry.per_try_timeout, absl::Milliseconds(300));
  EXPECT_THAT(count->retry.retry_on, ::testing::ElementsAre(absl::StatusCode::kUnavailable,
                                                            absl::StatusCode::kResourceExhausted));

  const MethodInfo* chat = info.FindMethod("/meshup_test.everything.Everything/Chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->kind, RpcKind::kBidiStreaming);
  EXPECT_EQ(chat->timeout, absl::InfiniteDuration());
  EXPECT_FALSE(chat->idempotent);
  EXPECT_FALSE(chat->non_blocking);
  const MethodInfo* quick = info.FindMethod("/meshup_test.everything.Everything/QuickEcho");
  ASSERT_NE(quick, nullptr);
  EXPECT_TRUE(quick->non_blocking);
  EXPECT_EQ(info.FindMethod("/nope"), nullptr);

  EXPECT_EQ(meshup_test::everything::Plain::Info().mesh_name, "plain");
}

}  // namespace
}  // namespace meshup
