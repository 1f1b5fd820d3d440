#include "loop/event_loop.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

// A new directory of its own under $TEST_TMPDIR or /tmp; empty on failure.
std::string NewTempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/event_loop_test.XXXXXX";
  return mkdtemp(path.data()) != nullptr ? path : std::string();
}

TEST(EventLoopTest, RunsPostedTasksInOrderOnItsThread) {
  EventLoop loop;
  std::vector<int> seen;
  bool on_loop_thread = false;
  loop.Post([&](uv_loop_t*) { seen.push_back(1); });
  loop.RunAndWait([&](uv_loop_t*) {
    seen.push_back(2);
    on_loop_thread = loop.InLoopThread();
  });
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_TRUE(on_loop_thread);
  EXPECT_FALSE(loop.InLoopThread());
}

// libuv closes its descriptors with a raw close system call. A descriptor
// number a loop used and freed is then reused by the next open(), often on
// another thread (a telemetry flush, a config reload). The ThreadSanitizer
// pass must see that reuse as what it is: no race. The other thread here
// learns that the loop is gone only from the file system, as a flush timer
// would, so nothing orders it after the loop's thread.
TEST(EventLoopTest, ADescriptorALoopFreedIsReusedOnAnotherThreadCleanly) {
  const std::string dir = NewTempDir();
  ASSERT_FALSE(dir.empty()) << "cannot make a temporary directory";
  const std::string gone = dir + "/loop-gone";
  const std::string file = dir + "/file";
  int reused = -1;
  std::thread other([&] {
    for (int i = 0; i < 10000 && access(gone.c_str(), F_OK) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    reused = open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  });
  int loop_fd = -1;
  {
    EventLoop loop;
    loop.RunAndWait([&](uv_loop_t* uv) { loop_fd = uv_backend_fd(uv); });
  }
  // mkdir, not open: the marker must not take the freed number itself.
  const int marked = mkdir(gone.c_str(), 0755);
  other.join();
  if (reused >= 0) close(reused);
  unlink(file.c_str());
  rmdir(gone.c_str());
  rmdir(dir.c_str());
  ASSERT_EQ(marked, 0);
  ASSERT_GE(reused, 0);
  // open() takes the lowest free number: the loop's own, freed by libuv.
  EXPECT_EQ(reused, loop_fd);
}

}  // namespace
}  // namespace meshup::internal
