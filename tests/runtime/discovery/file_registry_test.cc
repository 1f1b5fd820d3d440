#include "discovery/file_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

WorkloadRecord Reviews(const std::string& name, const std::string& version, uint32_t port) {
  WorkloadRecord record;
  record.name = name;
  record.address = "127.0.0.1";
  record.port = port;
  record.labels = {{"app", "reviews"}, {"version", version}};
  record.service_account = "bookinfo-reviews";
  return record;
}

// Collects what a watch reports, and waits for a report that satisfies a
// condition (bounded: a test fails rather than hangs).
class Reports {
 public:
  Registry::OnChange Callback() {
    return [this](const std::vector<WorkloadRecord>& workloads) {
      std::lock_guard<std::mutex> lock(mu_);
      history_.push_back(workloads);
      changed_.notify_all();
    };
  }
  bool WaitFor(std::function<bool(const std::vector<WorkloadRecord>&)> condition) {
    std::unique_lock<std::mutex> lock(mu_);
    auto ready = [&] { return !history_.empty() && condition(history_.back()); };
    return changed_.wait_for(lock, std::chrono::seconds(10), ready);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return history_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::vector<WorkloadRecord>> history_;  // guarded by mu_
};

class FileRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("meshup-registry-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    auto registry = FileRegistry::Open(dir_ + "/nested", loop_);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  EventLoop loop_;
  std::unique_ptr<FileRegistry> registry_;
};

TEST(WorkloadEntryYamlTest, RoundTrips) {
  WorkloadRecord record = Reviews("reviews-v2-1", "v2", 9082);
  absl::StatusOr<WorkloadRecord> parsed =
      ParseWorkloadEntryYaml("x.yaml", WorkloadEntryYaml(record));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, record);
  EXPECT_EQ(parsed->HostPort(), "127.0.0.1:9082");
}

TEST(WorkloadEntryYamlTest, BracketsIpv6) {
  WorkloadRecord record = Reviews("r", "v1", 80);
  record.address = "::1";
  EXPECT_EQ(record.HostPort(), "[::1]:80");
}

TEST_F(FileRegistryTest, RegisterAndDeregister) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v2-1", "v2", 9002)).ok());
  std::vector<WorkloadRecord> all = registry_->ReadAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "reviews-v1-1");
  EXPECT_EQ(all[1].labels.at("version"), "v2");
  ASSERT_TRUE(registry_->Deregister("reviews-v1-1").ok());
  ASSERT_TRUE(registry_->Deregister("reviews-v1-1").ok());  // not there: fine
  EXPECT_EQ(registry_->ReadAll().size(), 1u);
}

TEST_F(FileRegistryTest, RefusesBadNamesAndWorkloadsWithoutService) {
  EXPECT_THAT(registry_->Register(Reviews("../escape", "v1", 1)).message(),
              HasSubstr("workload name '../escape'"));
  WorkloadRecord no_app = Reviews("x", "v1", 1);
  no_app.labels.erase("app");
  EXPECT_THAT(registry_->Register(no_app).message(), HasSubstr("has no app label"));
}

TEST_F(FileRegistryTest, WatchReportsTheCurrentSetThenChanges) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  Reports reports;
  auto watch = registry_->WatchService("reviews", reports.Callback());
  ASSERT_TRUE(reports.WaitFor([](const auto& w) { return w.size() == 1; }));

  ASSERT_TRUE(registry_->Register(Reviews("reviews-v2-1", "v2", 9002)).ok());
  ASSERT_TRUE(reports.WaitFor([](const auto& w) { return w.size() == 2; }));

  ASSERT_TRUE(registry_->Deregister("reviews-v1-1").ok());
  ASSERT_TRUE(
      reports.WaitFor([](const auto& w) { return w.size() == 1 && w[0].name == "reviews-v2-1"; }));
}

TEST_F(FileRegistryTest, WatchIgnoresOtherServices) {
  Reports reports;
  auto watch = registry_->WatchService("reviews", reports.Callback());
  ASSERT_TRUE(reports.WaitFor([](const auto& w) { return w.empty(); }));
  WorkloadRecord ratings = Reviews("ratings-1", "v1", 9003);
  ratings.labels["app"] = "ratings";
  ASSERT_TRUE(registry_->Register(ratings).ok());
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  ASSERT_TRUE(reports.WaitFor([](const auto& w) { return w.size() == 1; }));
  for (const auto& w : registry_->ReadAll()) EXPECT_NE(w.name, "") << w.name;
}

TEST_F(FileRegistryTest, ACorruptFileKeepsItsLastGoodRecord) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  ASSERT_EQ(registry_->ReadAll().size(), 1u);
  std::ofstream(dir_ + "/nested/reviews-v1-1.yaml") << "apiVersion: [broken";
  std::vector<WorkloadRecord> all = registry_->ReadAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].port, 9001u);
  ASSERT_FALSE(registry_->warnings().empty());
  EXPECT_THAT(registry_->warnings().back(), HasSubstr("keeping its last good record"));
}

// The peak resident memory of this process since the last ResetPeak().
int64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string text; std::getline(status, text);) {
    absl::string_view line = text;
    if (absl::ConsumePrefix(&line, "VmHWM:")) {
      int64_t kb = 0;
      EXPECT_TRUE(
          absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(line), " kB"), &kb));
      return kb * 1024;
    }
  }
  ADD_FAILURE() << "no VmHWM in /proc/self/status";
  return 0;
}
bool ResetPeak() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }

TEST_F(FileRegistryTest, AFifoIsSkippedWithAWarningAndNeverWaitedOn) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  const std::string fifo = dir_ + "/nested/pipe.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  std::future<std::vector<WorkloadRecord>> read =
      std::async(std::launch::async, [&] { return registry_->ReadAll(); });
  if (read.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // release it
    if (fd >= 0) close(fd);
    read.wait();
    FAIL() << "ReadAll blocked on a FIFO";
  }
  std::vector<WorkloadRecord> all = read.get();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "reviews-v1-1");
  ASSERT_FALSE(registry_->warnings().empty());
  EXPECT_THAT(registry_->warnings().back(), HasSubstr("pipe.yaml: a FIFO, not a regular file"));
}

TEST_F(FileRegistryTest, AnOversizedFileIsRefusedUnread) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  const std::string huge = dir_ + "/nested/huge.yaml";
  const int fd = open(huge.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 96 << 20), 0);  // sparse: no disk space
  close(fd);
  if (!ResetPeak()) GTEST_SKIP() << "cannot reset the peak resident memory here";
  const int64_t before = PeakResidentBytes();
  std::vector<WorkloadRecord> all = registry_->ReadAll();
  EXPECT_LT(PeakResidentBytes() - before, 32 << 20) << "the oversized file was read";
  ASSERT_EQ(all.size(), 1u);
  ASSERT_FALSE(registry_->warnings().empty());
  EXPECT_THAT(registry_->warnings().back(), HasSubstr("huge.yaml: 100663296 bytes"));
}

}  // namespace
}  // namespace meshup::internal
