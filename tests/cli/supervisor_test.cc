// The restart schedule of a foreground `meshup up`, driven by a fake clock
// and fake processes: back-off from 1 s doubling to 30 s, reset by a run of
// a minute, a line for each exit and restart.
#include "supervisor.h"

#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/clock.h"

namespace meshup::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Wait statuses as waitpid(2) reports them.
constexpr int kKilled = SIGKILL;  // WIFSIGNALED, WTERMSIG 9
constexpr int kExited3 = 3 << 8;  // WIFEXITED, WEXITSTATUS 3

class FakeProcesses final : public SupervisedProcesses {
 public:
  FakeProcesses(const internal::FakeClock& clock, size_t count) : clock_(clock), pids_(count) {
    for (size_t i = 0; i < count; ++i) pids_[i] = static_cast<pid_t>(i);  // restarts: 100 on
  }
  size_t size() const override { return pids_.size(); }
  std::string Name(size_t index) const override { return absl::StrCat("w", index); }
  pid_t Pid(size_t index) const override { return pids_[index]; }
  std::string LogFile(size_t index) const override { return absl::StrCat("/logs/w", index); }
  std::optional<int> PollExit(size_t index) override {
    auto exit = exits_.find(index);
    if (exit == exits_.end()) return std::nullopt;
    const int status = exit->second;
    exits_.erase(exit);
    return status;
  }
  absl::Status Restart(size_t index) override {
    restarts_[index].push_back(clock_.Now());
    if (fail_starts_ > 0) {
      --fail_starts_;
      return absl::NotFoundError("no such program");
    }
    pids_[index] = next_pid_++;
    return absl::OkStatus();
  }

  void Exit(size_t index, int wait_status) { exits_[index] = wait_status; }

  const internal::FakeClock& clock_;
  std::vector<pid_t> pids_;
  pid_t next_pid_ = 100;
  std::map<size_t, int> exits_;
  std::map<size_t, std::vector<absl::Time>> restarts_;  // when each Restart() was called
  int fail_starts_ = 0;
};

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() : processes_(clock_, 2), supervisor_(processes_, clock_) {}

  // Ticks every 100 ms until `index` was restarted once more (or a bound).
  // Returns how long after now that was.
  absl::Duration TickUntilRestarted(size_t index) {
    const size_t before = processes_.restarts_[index].size();
    const absl::Time start = clock_.Now();
    for (int i = 0; i < 1000 && processes_.restarts_[index].size() == before; ++i) {
      clock_.Advance(absl::Milliseconds(100));
      supervisor_.Tick();
    }
    EXPECT_EQ(processes_.restarts_[index].size(), before + 1);
    return processes_.restarts_[index].back() - start;
  }

  static std::string At(absl::Time time) {
    return absl::FormatTime("%H:%M:%S", time, absl::LocalTimeZone());
  }

  internal::FakeClock clock_;
  FakeProcesses processes_;
  Supervisor supervisor_;
};

TEST_F(SupervisorTest, NothingHappensWhileEverythingRuns) {
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_THAT(supervisor_.Tick(), IsEmpty());
  }
  EXPECT_EQ(supervisor_.NextRestart(), absl::InfiniteFuture());
  EXPECT_TRUE(processes_.restarts_.empty());
}

TEST_F(SupervisorTest, ReportsTheExitAndRestartsAfterOneSecond) {
  clock_.Advance(absl::Seconds(5));
  processes_.Exit(1, kKilled);
  const absl::Time noticed = clock_.Now();
  EXPECT_THAT(supervisor_.Tick(),
              ElementsAre(absl::StrCat("w1 (pid 1) was killed by signal 9 (Killed); restarting it "
                                       "in 1s (at ",
                                       At(noticed + absl::Seconds(1)), "); see /logs/w1")));
  EXPECT_EQ(supervisor_.NextRestart(), noticed + absl::Seconds(1));
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_THAT(supervisor_.Tick(), IsEmpty()) << "not before its back-off";
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_THAT(supervisor_.Tick(), ElementsAre("restarted w1 as pid 100 (restart 1)"));
  EXPECT_EQ(supervisor_.restarts(1), 1);
  EXPECT_EQ(supervisor_.restarts(0), 0) << "the other workload was left alone";
  EXPECT_EQ(supervisor_.NextRestart(), absl::InfiniteFuture());
  EXPECT_THAT(supervisor_.Tick(), IsEmpty());
}

TEST_F(SupervisorTest, BackOffDoublesToThirtySecondsWhileItKeepsCrashing) {
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 8; ++i) {
    clock_.Advance(absl::Seconds(2));  // each run is short
    processes_.Exit(0, kExited3);
    std::vector<std::string> lines = supervisor_.Tick();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_THAT(lines[0], HasSubstr("exited with status 3; restarting it in "));
    waits.push_back(TickUntilRestarted(0));
  }
  EXPECT_THAT(waits, ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                 absl::Seconds(8), absl::Seconds(16), absl::Seconds(30),
                                 absl::Seconds(30), absl::Seconds(30)));
  EXPECT_EQ(supervisor_.restarts(0), 8);
}

TEST_F(SupervisorTest, AStableRunResetsTheBackOff) {
  for (int i = 0; i < 4; ++i) {  // 1, 2, 4, 8 s
    processes_.Exit(0, kKilled);
    supervisor_.Tick();
    TickUntilRestarted(0);
  }
  // A run just short of a minute still counts as a crash loop: 16 s.
  clock_.Advance(absl::Seconds(59));
  processes_.Exit(0, kKilled);
  supervisor_.Tick();
  EXPECT_EQ(TickUntilRestarted(0), absl::Seconds(16));
  // A run of a minute resets it: 1 s, then doubling again.
  clock_.Advance(absl::Seconds(60));
  processes_.Exit(0, kKilled);
  supervisor_.Tick();
  EXPECT_EQ(TickUntilRestarted(0), absl::Seconds(1));
  processes_.Exit(0, kKilled);
  supervisor_.Tick();
  EXPECT_EQ(TickUntilRestarted(0), absl::Seconds(2));
}

TEST_F(SupervisorTest, AFailedStartIsTriedAgainWithALongerBackOff) {
  processes_.fail_starts_ = 2;
  processes_.Exit(0, kKilled);
  supervisor_.Tick();
  clock_.Advance(absl::Seconds(1));
  const absl::Time failed = clock_.Now();
  EXPECT_THAT(supervisor_.Tick(),
              ElementsAre(absl::StrCat("cannot restart w0: no such program; trying again in 2s "
                                       "(at ",
                                       At(failed + absl::Seconds(2)), ")")));
  EXPECT_EQ(TickUntilRestarted(0), absl::Seconds(2));  // fails again
  EXPECT_EQ(TickUntilRestarted(0), absl::Seconds(4));  // starts
  EXPECT_EQ(supervisor_.restarts(0), 1);
  EXPECT_EQ(processes_.pids_[0], 100);
}

TEST_F(SupervisorTest, WorkloadsBackOffIndependently) {
  processes_.Exit(0, kKilled);
  supervisor_.Tick();
  TickUntilRestarted(0);  // w0's next back-off: 2 s
  processes_.Exit(0, kKilled);
  processes_.Exit(1, kKilled);
  const absl::Time noticed = clock_.Now();
  EXPECT_EQ(supervisor_.Tick().size(), 2u);
  EXPECT_EQ(supervisor_.NextRestart(), noticed + absl::Seconds(1)) << "w1's first";
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(supervisor_.Tick(), ElementsAre("restarted w1 as pid 101 (restart 1)"));
  EXPECT_EQ(supervisor_.NextRestart(), noticed + absl::Seconds(2)) << "w0's second";
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(supervisor_.Tick(), ElementsAre("restarted w0 as pid 102 (restart 2)"));
}

TEST(DescribeWaitStatusTest, NamesTheStatusOrTheSignal) {
  EXPECT_EQ(DescribeWaitStatus(0), "exited with status 0");
  EXPECT_EQ(DescribeWaitStatus(kExited3), "exited with status 3");
  EXPECT_EQ(DescribeWaitStatus(SIGSEGV), "was killed by signal 11 (Segmentation fault)");
  EXPECT_EQ(DescribeWaitStatus(-1), "is gone");
}

}  // namespace
}  // namespace meshup::cli
