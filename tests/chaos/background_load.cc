#include "background_load.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "loadgen/load_generator.h"

namespace meshup::chaos {

BackgroundLoad::BackgroundLoad(std::string name, LoadShape shape,
                               std::function<void(Report)> issue)
    : name_(std::move(name)), shape_(shape) {
  thread_ = std::thread([this, issue = std::move(issue)] {
    bench::LoadOptions options;
    options.rate = shape_.rate;
    options.warmup = absl::ZeroDuration();
    options.duration = shape_.duration;
    options.drain_timeout = absl::Seconds(20);
    absl::StatusOr<bench::LoadResult> result = bench::RunLoad(options, [&](bench::Done done) {
      sent_.fetch_add(1);
      issue([this, done](const absl::Status& status) {
        Record(status);
        done(status.ok());
      });
    });
    run_status_ = result.status();
    if (result.ok()) not_started_ = result->not_started;
    finished_ = true;
  });
}

BackgroundLoad::~BackgroundLoad() {
  if (thread_.joinable()) thread_.join();
}

absl::Status BackgroundLoad::Wait() {
  if (thread_.joinable()) thread_.join();
  if (!run_status_.ok()) return run_status_;
  if (not_started_ > 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name_, ": ", not_started_, " calls not started (too many in flight)"));
  }
  return absl::OkStatus();
}

bool BackgroundLoad::WaitForCompleted(uint64_t calls, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (succeeded() + failed() < calls) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

void BackgroundLoad::Record(const absl::Status& status) {
  if (status.ok()) {
    succeeded_.fetch_add(1);
    return;
  }
  failed_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  auto& [count, first] = failures_[status.code()];
  if (count++ == 0) first = std::string(status.message());
}

std::string BackgroundLoad::Failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (failures_.empty()) return "none";
  std::string out;
  for (const auto& [code, failure] : failures_) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", failure.first, " x ",
                    absl::StatusCodeToString(code), ": ", failure.second);
  }
  return out;
}

}  // namespace meshup::chaos
