#include "util/files.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

class ReadRegularFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("meshup-files-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(ReadRegularFileTest, ReadsARegularFileAndALinkToOne) {
  std::ofstream(Path("a.yaml")) << "kind: x\n";
  std::filesystem::create_symlink(Path("a.yaml"), Path("link.yaml"));
  EXPECT_EQ(*ReadRegularFile(Path("a.yaml"), 100), "kind: x\n");
  EXPECT_EQ(*ReadRegularFile(Path("link.yaml"), 100), "kind: x\n");
  std::ofstream(Path("empty.yaml"));
  EXPECT_EQ(*ReadRegularFile(Path("empty.yaml"), 100), "");
}

TEST_F(ReadRegularFileTest, AMissingFileIsNotFound) {
  EXPECT_EQ(ReadRegularFile(Path("none.yaml"), 100).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReadRegularFileTest, RefusesAFifoWithoutWaitingForAWriter) {
  ASSERT_EQ(mkfifo(Path("pipe.yaml").c_str(), 0644), 0);
  std::future<absl::StatusOr<std::string>> read =
      std::async(std::launch::async, [&] { return ReadRegularFile(Path("pipe.yaml"), 100); });
  if (read.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    const int fd = open(Path("pipe.yaml").c_str(), O_WRONLY | O_NONBLOCK);  // release it
    if (fd >= 0) close(fd);
    FAIL() << "blocked on a FIFO";
  }
  absl::Status status = read.get().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("pipe.yaml: a FIFO, not a regular file"));
}

TEST_F(ReadRegularFileTest, RefusesDevicesSocketsAndDirectories) {
  std::filesystem::create_symlink("/dev/zero", Path("zero.yaml"));
  EXPECT_THAT(ReadRegularFile(Path("zero.yaml"), 100).status().message(),
              HasSubstr("zero.yaml: a character device"));
  std::filesystem::create_directory(Path("dir.yaml"));
  EXPECT_THAT(ReadRegularFile(Path("dir.yaml"), 100).status().message(),
              HasSubstr("dir.yaml: a directory"));
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = Path("socket.yaml");
  ASSERT_LT(socket_path.size(), sizeof(address.sun_path));
  std::strcpy(address.sun_path, socket_path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_THAT(ReadRegularFile(socket_path, 100).status().message(),
              HasSubstr("socket.yaml: a socket"));
  close(fd);
}

TEST_F(ReadRegularFileTest, RefusesAFileOverTheLimitFromItsSize) {
  std::ofstream(Path("big.yaml")) << std::string(101, 'x');
  absl::Status status = ReadRegularFile(Path("big.yaml"), 100).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("big.yaml: 101 bytes"));
  EXPECT_EQ(ReadRegularFile(Path("big.yaml"), 101)->size(), 101u);
  // 64 GiB (sparse) is refused at once, unread.
  const int fd = open(Path("huge.yaml").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, off_t{1} << 36), 0);
  close(fd);
  EXPECT_EQ(ReadRegularFile(Path("huge.yaml"), 4 << 20).status().code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace meshup::internal
