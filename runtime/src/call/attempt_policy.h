// Deadlines and retry decisions of a client call: pure functions of their
// inputs (the current time is passed in), so that tests need no clock.
#ifndef MESHUP_SRC_CALL_ATTEMPT_POLICY_H_
#define MESHUP_SRC_CALL_ATTEMPT_POLICY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"

namespace meshup::internal {

// The deadline of one attempt started at `now`: the call's deadline, or
// earlier when the retry policy sets a per-try timeout.
absl::Time AttemptDeadline(absl::Time now, absl::Time call_deadline, const RetryPolicy& retry);

// How much earlier than `attempt_deadline` an attempt may end and still
// count as having run out of its per-try timeout. gRPC keeps the deadline
// it is given on its own clock, in whole milliseconds, and ends the attempt
// up to a fraction of a millisecond before absl::Now() reaches it (seen: up
// to 0.3 ms, in about 1 of 80 attempts).
inline constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(5);

// Whether an attempt that ended at `now` with `status` ran out of its
// per-try timeout: DEADLINE_EXCEEDED, on an attempt whose deadline comes
// before the call's, at its deadline or within kDeadlineSlack before it.
bool PerTryTimedOut(const absl::Status& status, absl::Time now, absl::Time attempt_deadline,
                    absl::Time call_deadline);

// Whether a call whose attempt number `attempt` (1 for the first) ended with
// `status` is tried again, under a call plan's retries: `tries` counts every
// attempt, `retry_on` lists the retryable codes (empty means UNAVAILABLE),
// and `may_resend` is whether sending the request again is safe (the method
// is idempotent, or the failed attempt surely did not send it). An attempt
// that ran out of its per-try timeout (`per_try_timed_out`) with time left
// on the call's deadline is retried whatever its code.
bool ShouldRetry(int tries, absl::Span<const absl::StatusCode> retry_on, bool may_resend,
                 int attempt, const absl::Status& status, bool per_try_timed_out);

// Whether a server refused the call before any handler ran (a MeshUp
// server at ServerOptions::max_handler_threads): safe to send elsewhere.
bool RefusedByServer(const absl::Status& status);

// The pause before attempt number `next_attempt` (2 for the first retry):
// 25 ms doubled each retry, at most 250 ms, as Envoy's default retry back-off.
absl::Duration RetryBackoff(int next_attempt);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_CALL_ATTEMPT_POLICY_H_
