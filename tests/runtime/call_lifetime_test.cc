// What a caller may destroy while its calls are in flight: the client that
// made a call, and the Mesh itself. A call keeps what it needs alive, and a
// Mesh that goes cancels its calls and waits for their callbacks. Run under
// AddressSanitizer, a use-after-free here fails the test.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
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
using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;
using meshup_test::everything::Everything;

// Echoes, and holds CountOnce calls that ask for it until they are cancelled.
class HoldingService final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    response = request;
    return absl::OkStatus();
  }
  absl::Status CountOnce(ServerContext& context, const CountRequest& request,
                         CountReply& response) override {
    const absl::Time until = absl::Now() + absl::Milliseconds(request.hold_ms());
    while (!context.IsCancelled() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
    response.set_attempts(1);
    return absl::OkStatus();
  }
  absl::Status Chat(
      ServerContext&,
      ServerReaderWriter<meshup_test::common::Echo, meshup_test::common::Echo>& stream) override {
    meshup_test::common::Echo echo;
    while (stream.Read(&echo)) {
      if (!stream.Write(echo)) break;
    }
    return absl::OkStatus();
  }
  absl::Status Join(ServerContext&, ServerReader<meshup_test::common::Echo>& reader,
                    meshup_test::common::Echo&) override {
    meshup_test::common::Echo echo;
    while (reader.Read(&echo)) {
    }
    return absl::OkStatus();
  }
  absl::Status Range(ServerContext& context, const CountRequest& request,
                     ServerWriter<meshup_test::common::Echo>& writer) override {
    for (int i = 0; i < request.count() && !context.IsCancelled(); ++i) {
      meshup_test::common::Echo echo;
      echo.set_sequence(i);
      if (!writer.Write(echo)) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::OkStatus();
  }
};

// Counts the callbacks of asynchronous calls and keeps their statuses.
class Callbacks {
 public:
  template <class Reply>
  std::function<void(absl::StatusOr<Reply>)> Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++expected_;
    return [this](absl::StatusOr<Reply> reply) {
      std::lock_guard<std::mutex> lock(mu_);
      // Moved, not copied: nothing this callback's thread destroys after the
      // lock is shared with the test's thread. (Debian's Abseil is not built
      // with ThreadSanitizer, which then misses the ordering of a shared
      // Status's reference count and reports its last release as a race.)
      statuses_.push_back(std::move(reply).status());
      done_.notify_all();
    };
  }
  int received() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(statuses_.size());
  }
  // Waits (at most 20 s) until every callback ran.
  bool WaitForAll() {
    std::unique_lock<std::mutex> lock(mu_);
    return done_.wait_for(lock, std::chrono::seconds(20),
                          [this] { return static_cast<int>(statuses_.size()) == expected_; });
  }
  std::vector<absl::Status> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable done_;
  int expected_ = 0;
  std::vector<absl::Status> statuses_;
};

class CallLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("meshup-call-lifetime-", getpid());
    auto ca = testing::TestCa::Create(dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto server_identity = ca->Issue("everything");
    auto client_identity = ca->Issue("caller");
    ASSERT_TRUE(server_identity.ok() && client_identity.ok());
    server_mesh_ = NewMesh("everything", *server_identity);
    client_mesh_ = NewMesh("caller", *client_identity);
    ASSERT_TRUE(server_mesh_ && client_mesh_);
    server_ = server_mesh_->NewServer();
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    target_ = absl::StrCat("127.0.0.1:", *port);
  }

  void TearDown() override {
    client_mesh_.reset();
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    server_mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  static std::unique_ptr<Mesh> NewMesh(const std::string& service, const std::string& identity) {
    MeshOptions options;
    options.service = service;
    options.identity_dir = identity;
    auto mesh = Mesh::Create(options);
    EXPECT_TRUE(mesh.ok()) << mesh.status();
    return mesh.ok() ? *std::move(mesh) : nullptr;
  }

  // A client on a channel of its own: destroying it drops the channel too.
  std::unique_ptr<Everything::Client> NewClient() {
    auto channel = client_mesh_->Connect(target_);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return std::make_unique<Everything::Client>(*std::move(channel));
  }

  static CountRequest Held(int ms) {
    CountRequest request;
    request.set_hold_ms(ms);
    return request;
  }

  std::filesystem::path dir_;
  HoldingService service_;
  std::unique_ptr<Mesh> server_mesh_;
  std::unique_ptr<Mesh> client_mesh_;
  std::unique_ptr<Server> server_;
  std::string target_;
};

TEST_F(CallLifetimeTest, AnAsyncCallCompletesAfterItsClientIsDestroyed) {
  Callbacks callbacks;
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<Everything::Client> client = NewClient();
    Echo request;
    request.set_text(absl::StrCat("call ", i));
    client->EchoAsync(request, callbacks.Add<Echo>());
    client->CountOnceAsync(Held(50), callbacks.Add<CountReply>());
    client.reset();  // the calls are in flight
  }
  ASSERT_TRUE(callbacks.WaitForAll()) << callbacks.received() << " of 40 callbacks ran";
  for (const absl::Status& status : callbacks.statuses()) EXPECT_TRUE(status.ok()) << status;
}

TEST_F(CallLifetimeTest, DestroyingTheMeshCancelsAsyncCallsAndWaitsForTheirCallbacks) {
  Callbacks callbacks;
  for (int i = 0; i < 10; ++i) {
    std::unique_ptr<Everything::Client> client = NewClient();
    client->CountOnceAsync(Held(60'000), callbacks.Add<CountReply>());
    client->EchoAsync(Echo(), callbacks.Add<Echo>());
    client.reset();
  }
  const absl::Time start = absl::Now();
  client_mesh_.reset();
  // Every callback has run by the time the Mesh is gone, long before the
  // server would let the held calls go.
  EXPECT_EQ(callbacks.received(), 20);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  int cancelled = 0;
  for (const absl::Status& status : callbacks.statuses()) {
    if (absl::IsCancelled(status)) ++cancelled;
    EXPECT_TRUE(status.ok() || absl::IsCancelled(status)) << status;
  }
  EXPECT_GE(cancelled, 10);  // the held calls at least
}

TEST_F(CallLifetimeTest, AStreamOutlivesItsClient) {
  std::unique_ptr<Everything::Client> client = NewClient();
  auto stream = client->Chat();
  client.reset();
  Echo echo;
  echo.set_text("still here");
  ASSERT_TRUE(stream->Write(echo));
  Echo reply;
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_EQ(reply.text(), "still here");
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(CallLifetimeTest, DestroyingTheMeshCancelsStreamsTheUserStillHolds) {
  std::unique_ptr<Everything::Client> client = NewClient();
  auto chat = client->Chat();
  CountRequest many;
  many.set_count(100'000);
  auto range = client->Range(many);
  auto join = client->Join();
  Echo echo;
  ASSERT_TRUE(join->Write(echo));
  ASSERT_TRUE(chat->Write(echo));
  ASSERT_TRUE(chat->Read(&echo));
  ASSERT_TRUE(range->Read(&echo));
  client.reset();
  client_mesh_.reset();
  // The streams fail from now on; nothing of the Mesh is touched.
  while (range->Read(&echo)) {
  }
  EXPECT_TRUE(absl::IsCancelled(range->Finish()));
  EXPECT_FALSE(chat->Read(&echo));
  EXPECT_TRUE(absl::IsCancelled(chat->Finish()));
  EXPECT_FALSE(join->Write(echo));
  EXPECT_TRUE(absl::IsCancelled(join->Finish().status()));
}

TEST_F(CallLifetimeTest, ADroppedStreamOfAGoneMeshIsDestroyedCleanly) {
  std::unique_ptr<Everything::Client> client = NewClient();
  auto chat = client->Chat();
  client.reset();
  client_mesh_.reset();
  chat.reset();  // without Finish()
}

TEST_F(CallLifetimeTest, CallsOnAChannelWhoseMeshIsGoneFail) {
  std::unique_ptr<Everything::Client> client = NewClient();
  ASSERT_TRUE(client->Echo(Echo()).ok());
  client_mesh_.reset();
  absl::StatusOr<Echo> blocking = client->Echo(Echo());
  EXPECT_EQ(blocking.status().code(), absl::StatusCode::kFailedPrecondition) << blocking.status();
  Callbacks callbacks;
  client->EchoAsync(Echo(), callbacks.Add<Echo>());
  ASSERT_TRUE(callbacks.WaitForAll());
  EXPECT_EQ(callbacks.statuses()[0].code(), absl::StatusCode::kFailedPrecondition);
  auto chat = client->Chat();
  EXPECT_FALSE(chat->Write(Echo()));
  EXPECT_EQ(chat->Finish().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace meshup
