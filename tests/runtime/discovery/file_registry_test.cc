#include "discovery/file_registry.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

TEST(WorkloadEntryYamlTest, AnHttpOnlyWorkloadRoundTripsWithoutAGrpcPort) {
  WorkloadRecord record = Reviews("productpage-v1-1", "v1", 0);
  record.labels["app"] = "productpage";
  record.http_port = 9080;
  const std::string yaml = WorkloadEntryYaml(record);
  EXPECT_THAT(yaml, ::testing::HasSubstr("http: 9080"));
  EXPECT_THAT(yaml, ::testing::Not(::testing::HasSubstr("grpc:")));
  absl::StatusOr<WorkloadRecord> parsed = ParseWorkloadEntryYaml("x.yaml", yaml);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, record);
  EXPECT_EQ(parsed->port, 0u);
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

// Registry entries name the process that registered them: this boot of
// this kernel and pid namespace, the pid and its start time.
std::string ThisHost() {
  std::string boot;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot;
  char ns[256];
  const ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
  return absl::StrCat(boot, "/", std::string(ns, n > 0 ? n : 0));
}
uint64_t StartTime(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  uint64_t start = 0;
  EXPECT_TRUE(fields.size() > 19 && absl::SimpleAtoi(fields[19], &start)) << stat;
  return start;
}
std::string OwnedEntry(const std::string& name, uint32_t port, const std::string& host, pid_t pid,
                       uint64_t start_time) {
  return absl::StrCat(
      "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: ", name,
      "\n  annotations:\n    meshup.dev/owner-host: \"", host, "\"\n    meshup.dev/owner-pid: \"",
      pid, "\"\n    meshup.dev/owner-start-time: \"", start_time,
      "\"\nspec:\n  address: 127.0.0.1\n  ports: {grpc: ", port,
      "}\n  labels: {app: reviews, version: v1}\n");
}

// A child process that waits to be killed; killed and reaped at the end.
class Child {
 public:
  Child() : pid_(fork()) {
    if (pid_ == 0) {
      for (;;) pause();
    }
  }
  ~Child() { Kill(); }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

TEST_F(FileRegistryTest, RegisteringRecordsTheRegisteringProcess) {
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9001)).ok());
  std::ifstream in(dir_ + "/nested/reviews-v1-1.yaml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(absl::StrCat("meshup.dev/owner-pid: \"", getpid(), "\"")));
  EXPECT_THAT(
      text, HasSubstr(absl::StrCat("meshup.dev/owner-start-time: \"", StartTime(getpid()), "\"")));
  ASSERT_EQ(registry_->ReadAll().size(), 1u);
}

TEST_F(FileRegistryTest, IgnoresTheEntryOfAProcessThatIsGone) {
  Child child;
  ASSERT_GT(child.pid(), 0);
  const uint64_t start_time = StartTime(child.pid());
  const pid_t pid = child.pid();
  child.Kill();
  std::ofstream(dir_ + "/nested/reviews-v1-dead.yaml")
      << OwnedEntry("reviews-v1-dead", 9001, ThisHost(), pid, start_time);
  // The same pid and start time from another host (or pid namespace): kept.
  std::ofstream(dir_ + "/nested/reviews-v1-elsewhere.yaml")
      << OwnedEntry("reviews-v1-elsewhere", 9002, "other-boot/pid:[1]", pid, start_time);
  // This process, alive, but recorded with another start time: a pid reused.
  std::ofstream(dir_ + "/nested/reviews-v1-reused.yaml")
      << OwnedEntry("reviews-v1-reused", 9003, ThisHost(), getpid(), StartTime(getpid()) + 1);
  std::ofstream(dir_ + "/nested/reviews-v1-live.yaml")
      << OwnedEntry("reviews-v1-live", 9004, ThisHost(), getpid(), StartTime(getpid()));
  std::vector<WorkloadRecord> all = registry_->ReadAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "reviews-v1-elsewhere");
  EXPECT_EQ(all[1].name, "reviews-v1-live");
  EXPECT_THAT(registry_->warnings().back(),
              HasSubstr("reviews-v1-reused.yaml: its workload's process"));
}

TEST_F(FileRegistryTest, AWatchReportsAKilledWorkloadGoneAtTheNextChange) {
  Child child;
  ASSERT_GT(child.pid(), 0);
  std::ofstream(dir_ + "/nested/reviews-v1-1.yaml")
      << OwnedEntry("reviews-v1-1", 9001, ThisHost(), child.pid(), StartTime(child.pid()));
  Reports reports;
  auto watch = registry_->WatchService("reviews", reports.Callback());
  ASSERT_TRUE(reports.WaitFor([](const auto& w) { return w.size() == 1; }));
  child.Kill();  // kill -9: it never deregisters
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v2-1", "v2", 9002)).ok());
  EXPECT_TRUE(reports.WaitFor([](const auto& w) {
    return w.size() == 1 && w[0].name == "reviews-v2-1";
  })) << "the killed workload is still reported";
}

TEST_F(FileRegistryTest, RemovesTheEntriesOfProcessesThatAreGone) {
  Child child;
  ASSERT_GT(child.pid(), 0);
  const uint64_t start_time = StartTime(child.pid());
  const pid_t pid = child.pid();
  child.Kill();
  std::ofstream(dir_ + "/nested/reviews-v1-dead.yaml")
      << OwnedEntry("reviews-v1-dead", 9001, ThisHost(), pid, start_time);
  ASSERT_TRUE(registry_->Register(Reviews("reviews-v1-1", "v1", 9002)).ok());
  absl::StatusOr<int> removed = FileRegistry::RemoveEntriesOfGoneProcesses(dir_ + "/nested");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/nested/reviews-v1-dead.yaml"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/nested/reviews-v1-1.yaml"));
}

}  // namespace
}  // namespace meshup::internal
