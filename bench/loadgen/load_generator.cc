#include "loadgen/load_generator.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "loadgen/histogram.h"

namespace meshup::bench {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SleepUntil(int64_t nanos) {
  const int64_t left = nanos - NowNanos();
  if (left > 0) absl::SleepFor(absl::Nanoseconds(left));
}

}  // namespace

// The state of one run, shared by every call of it.
class LoadRun {
 public:
  LoadRun(const LoadOptions& options, const IssueCall& issue) : options_(options), issue_(issue) {}

  absl::StatusOr<LoadResult> Run() {
    int64_t window_start, window_end;
    if (options_.rate > 0) {
      RunOpenLoop(window_start, window_end);
    } else {
      RunClosedLoop(window_start, window_end);
    }
    const int64_t drain_deadline = NowNanos() + absl::ToInt64Nanoseconds(options_.drain_timeout);
    while (in_flight_.load() > 0) {
      if (NowNanos() > drain_deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            in_flight_.load(), " calls were still in flight ", absl::FormatDuration(options_.drain_timeout),
            " after the measured window"));
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    LoadResult result;
    result.open_loop = options_.rate > 0;
    result.concurrency = result.open_loop ? 0 : options_.concurrency;
    result.target_rate = options_.rate;
    result.window = absl::Nanoseconds(window_end - window_start);
    result.succeeded = histogram_.count();
    result.failed = failed_.load();
    result.not_started = not_started_.load();
    result.throughput =
        static_cast<double>(result.succeeded) / absl::ToDoubleSeconds(result.window);
    result.latency = SummarizeLatency(histogram_);
    if (options_.also_record != nullptr) options_.also_record->Merge(histogram_);
    return result;
  }

  void OnDone(int64_t start_nanos, bool ok) {
    const int64_t now = NowNanos();
    const bool open = options_.rate > 0;
    const int64_t at = open ? start_nanos : now;
    if (at >= window_start_.load(std::memory_order_relaxed) &&
        at < window_end_.load(std::memory_order_relaxed)) {
      if (ok) {
        histogram_.Record(static_cast<uint64_t>(now - start_nanos));
      } else {
        failed_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (!open && !stopped_.load(std::memory_order_relaxed)) {
      in_flight_.fetch_add(1, std::memory_order_relaxed);
      StartClosedLoopCall();
    }
    // Last: once no call is in flight, the run may be destroyed.
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  }

 private:
  void RunClosedLoop(int64_t& window_start, int64_t& window_end) {
    // Started on a thread of their own: when calls end inside `issue`, that
    // thread keeps issuing until the run stops, and the timing here goes on.
    std::thread starter([this] {
      for (int i = 0; i < options_.concurrency && !stopped_.load(); ++i) {
        in_flight_.fetch_add(1);
        StartClosedLoopCall();
      }
    });
    absl::SleepFor(options_.warmup);
    window_start = NowNanos();
    window_start_.store(window_start);
    if (options_.on_measure_start) options_.on_measure_start();
    SleepUntil(window_start + absl::ToInt64Nanoseconds(options_.duration));
    window_end = NowNanos();
    window_end_.store(window_end);
    if (options_.on_measure_end) options_.on_measure_end();
    stopped_.store(true);
    starter.join();
  }

  void RunOpenLoop(int64_t& window_start, int64_t& window_end) {
    const int64_t start = NowNanos();
    const double interval = 1e9 / options_.rate;
    window_start = start + absl::ToInt64Nanoseconds(options_.warmup);
    window_end = window_start + absl::ToInt64Nanoseconds(options_.duration);
    window_start_.store(window_start);
    window_end_.store(window_end);
    bool measuring = false;
    for (uint64_t i = 0;; ++i) {
      const int64_t intended = start + static_cast<int64_t>(static_cast<double>(i) * interval);
      if (intended >= window_end) break;
      SleepUntil(intended);
      if (!measuring && intended >= window_start) {
        measuring = true;
        if (options_.on_measure_start) options_.on_measure_start();
      }
      if (in_flight_.load(std::memory_order_relaxed) >= options_.max_in_flight) {
        if (intended >= window_start) not_started_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      in_flight_.fetch_add(1, std::memory_order_relaxed);
      issue_(Done(this, intended));
    }
    SleepUntil(window_end);
    if (options_.on_measure_end) options_.on_measure_end();
    stopped_.store(true);
  }

  // Starts one closed-loop call (in_flight_ already counts it). A call that
  // ends inside issue_ on this thread would start the next one from within
  // it: those are queued here and started in a loop instead.
  void StartClosedLoopCall() {
    thread_local LoadRun* issuing = nullptr;
    thread_local int pending = 0;
    if (issuing == this) {
      ++pending;
      return;
    }
    LoadRun* const outer = issuing;
    const int outer_pending = pending;
    issuing = this;
    pending = 1;
    while (pending > 0) {
      --pending;
      issue_(Done(this, NowNanos()));
    }
    issuing = outer;
    pending = outer_pending;
  }

  const LoadOptions options_;
  const IssueCall& issue_;
  LatencyHistogram histogram_;
  std::atomic<int64_t> window_start_{kNever};
  std::atomic<int64_t> window_end_{kNever};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> not_started_{0};
};

LatencySummary SummarizeLatency(const LatencyHistogram& histogram) {
  LatencySummary summary;
  summary.p50 = histogram.Percentile(50) / 1e3;
  summary.p90 = histogram.Percentile(90) / 1e3;
  summary.p99 = histogram.Percentile(99) / 1e3;
  summary.p999 = histogram.Percentile(99.9) / 1e3;
  summary.max = histogram.max() / 1e3;
  summary.mean = histogram.mean() / 1e3;
  return summary;
}

void Done::operator()(bool ok) const { run_->OnDone(start_nanos_, ok); }

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options, const IssueCall& issue) {
  if (options.rate <= 0 && options.concurrency < 1) {
    return absl::InvalidArgumentError("closed loop: concurrency must be at least 1");
  }
  if (options.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the measured duration must be positive");
  }
  auto run = std::make_unique<LoadRun>(options, issue);
  absl::StatusOr<LoadResult> result = run->Run();
  // Calls still in flight would touch the run (and `issue`): keep the run.
  if (!result.ok()) run.release();
  return result;
}

}  // namespace meshup::bench
