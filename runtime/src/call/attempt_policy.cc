#include "call/attempt_policy.h"

#include <algorithm>

namespace meshup::internal {

absl::Time AttemptDeadline(absl::Time now, absl::Time call_deadline, const RetryPolicy& retry) {
  if (retry.per_try_timeout <= absl::ZeroDuration()) return call_deadline;
  return std::min(call_deadline, now + retry.per_try_timeout);
}

bool PerTryTimedOut(const absl::Status& status, absl::Time now, absl::Time attempt_deadline,
                    absl::Time call_deadline) {
  return status.code() == absl::StatusCode::kDeadlineExceeded && attempt_deadline < call_deadline &&
         now >= attempt_deadline - kDeadlineSlack;
}

bool ShouldRetry(int tries, absl::Span<const absl::StatusCode> retry_on, bool may_resend,
                 int attempt, const absl::Status& status, bool per_try_timed_out) {
  if (status.ok() || !may_resend || attempt >= tries) return false;
  if (per_try_timed_out) return true;
  if (retry_on.empty()) return status.code() == absl::StatusCode::kUnavailable;
  return std::find(retry_on.begin(), retry_on.end(), status.code()) != retry_on.end();
}

bool RefusedByServer(const absl::Status& status) {
  // gRPC's synchronous server answers so when its resource quota has no
  // thread left, before it reads the request.
  return status.code() == absl::StatusCode::kResourceExhausted &&
         status.message() == "Server Threadpool Exhausted";
}

absl::Duration RetryBackoff(int next_attempt) {
  absl::Duration backoff = absl::Milliseconds(25);
  for (int i = 2; i < next_attempt && backoff < absl::Milliseconds(250); ++i) backoff *= 2;
  return std::min(backoff, absl::Milliseconds(250));
}

}  // namespace meshup::internal
