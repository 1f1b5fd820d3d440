// The etcd registry against a real etcd server started by the test.
#include "discovery/etcd_registry.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "etcd_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

WorkloadRecord Ratings(const std::string& name, uint32_t port) {
  WorkloadRecord record;
  record.name = name;
  record.address = "127.0.0.1";
  record.port = port;
  record.labels = {{"app", "ratings"}, {"version", "v1"}};
  return record;
}

// Every report a watch made, with waits bounded at 20 s.
class Reports {
 public:
  Registry::OnChange Callback() {
    return [this](const std::vector<WorkloadRecord>& workloads) {
      std::lock_guard<std::mutex> lock(mu_);
      sizes_.push_back(workloads.size());
      changed_.notify_all();
    };
  }
  bool WaitForSize(size_t size) {
    std::unique_lock<std::mutex> lock(mu_);
    auto ready = [&] { return !sizes_.empty() && sizes_.back() == size; };
    return changed_.wait_for(lock, std::chrono::seconds(20), ready);
  }
  std::vector<size_t> sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<size_t> sizes_;  // guarded by mu_
};

class EtcdRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-etcd-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    etcd_ = std::make_unique<testing::EtcdServer>(dir_.string());
    ASSERT_EQ(etcd_->Start(), absl::OkStatus());
  }
  void TearDown() override {
    etcd_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<EtcdRegistry> Open(absl::Duration ttl = absl::Seconds(2)) {
    EtcdOptions options;
    options.endpoints = {etcd_->client_url()};
    options.ttl = ttl;
    auto registry = EtcdRegistry::Open(options);
    EXPECT_TRUE(registry.ok()) << registry.status();
    return *std::move(registry);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::EtcdServer> etcd_;
};

TEST_F(EtcdRegistryTest, RegisterWatchAndDeregister) {
  auto registry = Open();
  Reports reports;
  auto watch = registry->WatchService("ratings", reports.Callback());
  ASSERT_TRUE(reports.WaitForSize(0));
  ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
  ASSERT_TRUE(registry->Register(Ratings("ratings-2", 9002)).ok());
  ASSERT_TRUE(reports.WaitForSize(2));
  auto read = registry->Read("ratings");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)[1].HostPort(), "127.0.0.1:9002");
  ASSERT_TRUE(registry->Deregister("ratings-1").ok());
  ASSERT_TRUE(reports.WaitForSize(1));
}

TEST_F(EtcdRegistryTest, HeartbeatsKeepTheLeaseBeyondItsTtl) {
  auto registry = Open(absl::Seconds(1));
  ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
  absl::SleepFor(absl::Seconds(3));  // three TTLs
  auto read = registry->Read("ratings");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->size(), 1u);
}

TEST_F(EtcdRegistryTest, AClosedRegistryTakesItsWorkloadsAlong) {
  auto watcher = Open();
  Reports reports;
  auto watch = watcher->WatchService("ratings", reports.Callback());
  {
    auto registry = Open();
    ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
    ASSERT_TRUE(reports.WaitForSize(1));
  }
  ASSERT_TRUE(reports.WaitForSize(0));
}

TEST_F(EtcdRegistryTest, AnEtcdRestartLosesNoKnownEndpoint) {
  auto registry = Open();
  Reports reports;
  auto watch = registry->WatchService("ratings", reports.Callback());
  ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
  ASSERT_TRUE(reports.WaitForSize(1));
  const size_t known_from = reports.sizes().size() - 1;
  ASSERT_EQ(etcd_->Stop(), absl::OkStatus());
  absl::SleepFor(absl::Seconds(3));  // longer than the 2 s lease
  ASSERT_EQ(etcd_->Start(), absl::OkStatus());
  absl::SleepFor(absl::Seconds(3));
  ASSERT_TRUE(registry->Register(Ratings("ratings-2", 9002)).ok());
  ASSERT_TRUE(reports.WaitForSize(2));
  const std::vector<size_t> sizes = reports.sizes();
  for (size_t i = known_from; i < sizes.size(); ++i) {
    EXPECT_NE(sizes[i], 0u) << "report " << i << ": the service lost its endpoint";
  }
}

TEST_F(EtcdRegistryTest, RegistrationsComeBackAfterEtcdLosesItsData) {
  auto registry = Open(absl::Seconds(1));
  ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
  ASSERT_EQ(etcd_->Stop(), absl::OkStatus());
  etcd_->WipeData();
  ASSERT_EQ(etcd_->Start(), absl::OkStatus());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  size_t listed = 0;
  while (listed == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    auto read = registry->Read("ratings");
    if (read.ok()) listed = read->size();
  }
  EXPECT_EQ(listed, 1u);
}

// etcd restarted empty answers "no workloads" until each registry's next
// heartbeat registers its own again (up to ttl/3 later): a watch that
// passed that on emptied the service, and calls failed with "no endpoints".
// Found by the chaos suite (scenario 3b). Here the heartbeats are 10 s apart,
// so the watch surely reads the empty etcd first.
TEST_F(EtcdRegistryTest, AWatchKeepsItsWorkloadsWhileEtcdComesBackEmpty) {
  auto registry = Open(absl::Seconds(30));
  Reports reports;
  auto watch = registry->WatchService("ratings", reports.Callback());
  ASSERT_TRUE(registry->Register(Ratings("ratings-1", 9001)).ok());
  ASSERT_TRUE(registry->Register(Ratings("ratings-2", 9002)).ok());
  ASSERT_TRUE(reports.WaitForSize(2));
  const size_t known_from = reports.sizes().size() - 1;
  ASSERT_EQ(etcd_->Stop(), absl::OkStatus());
  etcd_->WipeData();
  ASSERT_EQ(etcd_->Start(), absl::OkStatus());
  // The watch reconnects within a second or two and reads an empty etcd.
  auto read = registry->Read("ratings");
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       !read.ok() && absl::Now() < deadline; read = registry->Read("ratings")) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->size(), 0u) << "etcd is not empty: the test proves nothing";
  absl::SleepFor(absl::Seconds(3));
  // A workload registered meanwhile joins those held.
  auto other = Open(absl::Seconds(30));
  ASSERT_TRUE(other->Register(Ratings("ratings-3", 9003)).ok());
  ASSERT_TRUE(reports.WaitForSize(3));
  const std::vector<size_t> sizes = reports.sizes();
  for (size_t i = known_from; i < sizes.size(); ++i) {
    EXPECT_GE(sizes[i], 2u) << "report " << i << ": the service lost its workloads";
  }
}

TEST(EtcdRegistryOptionsTest, RefusesBadOptions) {
  EXPECT_FALSE(EtcdRegistry::Open(EtcdOptions{}).ok());
  EtcdOptions options;
  options.endpoints = {"http://127.0.0.1:1"};
  options.prefix = "/meshup";
  EXPECT_THAT(EtcdRegistry::Open(options).status().message(),
              ::testing::HasSubstr("must end with '/'"));
}

}  // namespace
}  // namespace meshup::internal
