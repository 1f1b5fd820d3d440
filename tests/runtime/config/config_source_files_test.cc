// What a config directory may hold that is not a configuration file: a
// FIFO, a device, a file too large. Each is refused with an error naming it,
// the last good configuration stays, the loop thread never waits on such a
// file, and nothing of a refused file stays in memory.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "config/config_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::HasSubstr;

constexpr char kRule[] =
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\n"
    "spec:\n  host: reviews\n  subsets:\n  - {name: v1}\n";

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.parent_path() / ("." + path.filename().string());
  std::ofstream(temporary) << text;
  std::filesystem::rename(temporary, path);
}

// A file of `bytes` zero bytes that takes no disk space.
void WriteSparse(const std::filesystem::path& path, off_t bytes) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, bytes), 0);
  close(fd);
}

bool Eventually(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

// Whether the loop thread runs a task within `wait`.
bool LoopResponds(internal::EventLoop& loop, absl::Duration wait = absl::Seconds(5)) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> ran = done->get_future();
  loop.Post([done](uv_loop_t*) { done->set_value(); });
  return ran.wait_for(std::chrono::milliseconds(absl::ToInt64Milliseconds(wait))) ==
         std::future_status::ready;
}

// Releases a reader blocked opening `fifo` (it then reads end of file), so
// that a test that failed can still stop its loop.
void ReleaseReaders(const std::filesystem::path& fifo, internal::EventLoop& loop) {
  for (int attempt = 0; attempt < 50 && !LoopResponds(loop, absl::Milliseconds(100)); ++attempt) {
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
  }
}

// This process's resident memory after returning freed memory to the system.
int64_t ResidentBytes() {
  malloc_trim(0);
  std::ifstream status("/proc/self/status");
  for (std::string text; std::getline(status, text);) {
    absl::string_view line = text;
    if (absl::ConsumePrefix(&line, "VmRSS:")) {
      int64_t kb = 0;
      EXPECT_TRUE(
          absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(line), " kB"), &kb));
      return kb * 1024;
    }
  }
  ADD_FAILURE() << "no VmRSS in /proc/self/status";
  return 0;
}

class ConfigSourceFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("meshup-source-files-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    WriteFile(dir_ / "reviews.yaml", kRule);
  }
  void TearDown() override {
    if (std::filesystem::exists(dir_ / "pipe.yaml")) ReleaseReaders(dir_ / "pipe.yaml", loop_);
    source_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<ConfigSource> Watch() {
    auto source = ConfigSource::Watch(dir_.string(), loop_);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }

  std::filesystem::path dir_;
  internal::EventLoop loop_;
  std::unique_ptr<ConfigSource> source_;  // declared after loop_: destroyed before it
};

TEST_F(ConfigSourceFilesTest, AFifoIsRefusedNamingItAndTheLoopNeverWaitsOnIt) {
  source_ = Watch();
  ASSERT_NE(source_, nullptr);
  ASSERT_EQ(mkfifo((dir_ / "pipe.yaml").c_str(), 0644), 0);
  WriteFile(dir_ / "ratings.yaml", "# a change that makes the watcher reload\n");
  ASSERT_TRUE(Eventually([&] { return source_->reload_failures() > 0; }))
      << "the FIFO was not reported";
  EXPECT_THAT(source_->last_error(), HasSubstr("pipe.yaml"));
  EXPECT_THAT(source_->last_error(), HasSubstr("FIFO"));
  EXPECT_TRUE(LoopResponds(loop_)) << "the loop thread is blocked";
  EXPECT_NE(source_->Current()->DestinationRuleFor("reviews"), nullptr);  // the last good

  std::filesystem::remove(dir_ / "pipe.yaml");
  ASSERT_TRUE(Eventually([&] { return source_->last_error().empty(); }));
}

TEST_F(ConfigSourceFilesTest, ADeviceIsRefusedNamingIt) {
  std::filesystem::create_symlink("/dev/null", dir_ / "device.yaml");
  auto source = ConfigSource::Watch(dir_.string(), loop_);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("device.yaml"));
  EXPECT_THAT(source.status().message(), HasSubstr("character device"));
}

TEST_F(ConfigSourceFilesTest, AnOversizedFileIsRefusedAndNotKeptInMemory) {
  source_ = Watch();
  ASSERT_NE(source_, nullptr);
  const int64_t before = ResidentBytes();
  WriteSparse(dir_ / "huge.yaml", 96 << 20);
  absl::Status reloaded = source_->Reload();
  EXPECT_THAT(reloaded.message(), HasSubstr("huge.yaml"));
  EXPECT_THAT(reloaded.message(),
              HasSubstr("huge.yaml: 100663296 bytes; a file here may have at most 4194304"));
  EXPECT_LT(ResidentBytes() - before, 32 << 20) << "the refused file is held in memory";
  EXPECT_NE(source_->Current()->DestinationRuleFor("reviews"), nullptr);
}

TEST_F(ConfigSourceFilesTest, NothingOfARejectedFileStaysInMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Their allocators hold freed memory (quarantine): resident memory says
  // nothing of what is kept.
  GTEST_SKIP() << "resident memory is not measurable under a sanitizer";
#endif
  source_ = Watch();
  ASSERT_NE(source_, nullptr);
  const int64_t before = ResidentBytes();
  // Under the size limit each, but not text (NUL bytes): 96 MiB refused.
  for (int i = 0; i < 24; ++i) {
    WriteSparse(dir_ / ("zeros-" + std::to_string(i) + ".yaml"), (4 << 20) - 1);
  }
  absl::Status reloaded = source_->Reload();
  EXPECT_THAT(reloaded.message(), HasSubstr("zeros-0.yaml:1:1: invalid YAML: control character"));
  EXPECT_LT(ResidentBytes() - before, 32 << 20) << "the refused files are held in memory";
  EXPECT_NE(source_->Current()->DestinationRuleFor("reviews"), nullptr);
}

}  // namespace
}  // namespace meshup::config
