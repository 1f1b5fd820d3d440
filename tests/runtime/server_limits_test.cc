// What one caller can make a server hold: calls open at once on one
// connection (HTTP/2 MAX_CONCURRENT_STREAMS), and handler threads in all.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;
using meshup_test::everything::Everything;
using ::testing::HasSubstr;

// Holds every CountOnce call until Release(), and counts them.
class GateService final : public Everything::Service {
 public:
  absl::Status CountOnce(ServerContext& context, const CountRequest&, CountReply&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++active_;
    peak_ = std::max(peak_, active_);
    changed_.notify_all();
    // Bounded: a test that forgets to release fails instead of hanging.
    changed_.wait_for(lock, std::chrono::seconds(20),
                      [&] { return released_ || context.IsCancelled(); });
    --active_;
    return absl::OkStatus();
  }
  // Waits (at most 10 s) until `count` calls are held.
  bool WaitForActive(int count) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return active_ >= count; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }
  int peak() {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int active_ = 0, peak_ = 0;
  bool released_ = false;
};

// The statuses of asynchronous calls, as they end.
class Results {
 public:
  std::function<void(absl::StatusOr<CountReply>)> Add() {
    return [this](absl::StatusOr<CountReply> reply) {
      std::lock_guard<std::mutex> lock(mu_);
      statuses_.push_back(reply.status());
      changed_.notify_all();
    };
  }
  bool WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(20),
                             [&] { return statuses_.size() >= count; });
  }
  std::vector<absl::Status> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<absl::Status> statuses_;
};

class ServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("meshup-server-limits-", getpid());
    auto ca = testing::TestCa::Create(dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto identity = ca->Issue("everything");
    ASSERT_TRUE(identity.ok()) << identity.status();
    MeshOptions options;
    options.service = "everything";
    options.identity_dir = *identity;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
  }

  void TearDown() override {
    service_.Release();
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  absl::StatusOr<int> StartServer(ServerOptions options) {
    server_ = mesh_->NewServer(options);
    if (absl::Status added = server_->AddService(service_); !added.ok()) return added;
    return server_->Start();
  }

  std::unique_ptr<Everything::Client> NewClient(int port) {
    auto channel = mesh_->Connect(absl::StrCat("127.0.0.1:", port));
    EXPECT_TRUE(channel.ok()) << channel.status();
    return std::make_unique<Everything::Client>(*std::move(channel));
  }

  std::filesystem::path dir_;
  GateService service_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerLimitsTest, OneConnectionHasAtMostMaxConcurrentStreamsCallsOpen) {
  ServerOptions options;
  options.max_concurrent_streams = 5;
  absl::StatusOr<int> port = StartServer(options);
  ASSERT_TRUE(port.ok()) << port.status();
  std::unique_ptr<Everything::Client> client = NewClient(*port);  // one connection
  Results results;
  for (int i = 0; i < 20; ++i) client->CountOnceAsync(CountRequest(), results.Add());
  ASSERT_TRUE(service_.WaitForActive(5));
  // Without the limit the other 15 arrive within milliseconds.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(service_.peak(), 5);
  // The rest waited on the client's side, and are served in turn.
  service_.Release();
  ASSERT_TRUE(results.WaitFor(20));
  for (const absl::Status& status : results.statuses()) EXPECT_TRUE(status.ok()) << status;
}

TEST_F(ServerLimitsTest, CallsBeyondTheThreadLimitFailAtOnce) {
  ServerOptions options;
  options.idle_handler_threads = 2;
  options.max_handler_threads = 8;
  absl::StatusOr<int> port = StartServer(options);
  ASSERT_TRUE(port.ok()) << port.status();
  std::unique_ptr<Everything::Client> client = NewClient(*port);
  Results results;
  for (int i = 0; i < 40; ++i) client->CountOnceAsync(CountRequest(), results.Add());
  // Calls that find no thread are answered while the others are held.
  ASSERT_TRUE(service_.WaitForActive(1));
  ASSERT_TRUE(results.WaitFor(1));
  std::vector<absl::Status> refused = results.statuses();
  EXPECT_LE(service_.peak(), 8);
  for (const absl::Status& status : refused) {
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  }
  service_.Release();
  ASSERT_TRUE(results.WaitFor(40));
  int served = 0;
  for (const absl::Status& status : results.statuses()) {
    served += status.ok();
    EXPECT_TRUE(status.ok() || absl::IsResourceExhausted(status)) << status;
  }
  EXPECT_GE(served, 1);
  // Once the burst is over, the server serves again.
  absl::StatusOr<CountReply> after = NewClient(*port)->CountOnce(CountRequest());
  EXPECT_TRUE(after.ok()) << after.status();
}

TEST_F(ServerLimitsTest, LimitsOutOfRangeAreRefusedByName) {
  ServerOptions streams;
  streams.max_concurrent_streams = 0;
  absl::StatusOr<int> port = StartServer(streams);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(port.status().message(), HasSubstr("max_concurrent_streams"));
  ServerOptions threads;
  threads.idle_handler_threads = 8;
  threads.max_handler_threads = 8;
  port = StartServer(threads);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(port.status().message(), HasSubstr("max_handler_threads"));
}

}  // namespace
}  // namespace meshup
