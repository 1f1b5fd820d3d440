#include "gtest/gtest.h"
#include "routing/router.h"

namespace meshup::internal {
namespace {

constexpr absl::StatusCode kRetryOnUnavailableAndInternal[] = {absl::StatusCode::kUnavailable,
                                                               absl::StatusCode::kInternal};

MethodInfo Method(absl::Duration timeout, int attempts, bool idempotent) {
  MethodInfo method;
  method.name = "M";
  method.path = "/p.S/M";
  method.timeout = timeout;
  method.retry.attempts = attempts;
  method.idempotent = idempotent;
  return method;
}

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

// The call's deadline as a static-address call plans it (no route).
absl::Time CallDeadline(absl::Time now, const MethodInfo& method, const CallOptions& options) {
  CallPlan plan;
  PlanDeadlineAndRetries(method, options, /*route=*/nullptr, now, plan);
  return plan.deadline;
}

TEST(CallDeadlineTest, NoTimeoutMeansNoDeadline) {
  EXPECT_EQ(CallDeadline(kNow, Method(absl::InfiniteDuration(), 0, false), CallOptions{}),
            absl::InfiniteFuture());
}

TEST(CallDeadlineTest, UsesTheMethodTimeout) {
  EXPECT_EQ(CallDeadline(kNow, Method(absl::Seconds(2), 0, false), CallOptions{}),
            kNow + absl::Seconds(2));
}

TEST(CallDeadlineTest, TheCallersShorterTimeoutWins) {
  CallOptions options;
  options.timeout = absl::Milliseconds(300);
  EXPECT_EQ(CallDeadline(kNow, Method(absl::Seconds(2), 0, false), options),
            kNow + absl::Milliseconds(300));
}

TEST(CallDeadlineTest, TheMethodsShorterTimeoutWins) {
  CallOptions options;
  options.timeout = absl::Seconds(10);
  EXPECT_EQ(CallDeadline(kNow, Method(absl::Seconds(2), 0, false), options),
            kNow + absl::Seconds(2));
}

TEST(CallPlanTest, AStaticCallAndAnUnroutedHostCallGetTheSameRetries) {
  MethodInfo method = Method(absl::Seconds(2), 0, true);
  CallPlan plan;
  PlanDeadlineAndRetries(method, CallOptions{}, /*route=*/nullptr, kNow, plan);
  EXPECT_EQ(plan.tries, kDefaultTries);
  EXPECT_EQ(std::vector<absl::StatusCode>(plan.retry_on.begin(), plan.retry_on.end()),
            std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable});
  config::HttpRoute route;
  route.retries.emplace();
  route.retries->attempts = 4;
  route.timeout = absl::Milliseconds(700);
  PlanDeadlineAndRetries(method, CallOptions{}, &route, kNow, plan);
  EXPECT_EQ(plan.tries, 5);
  EXPECT_EQ(plan.deadline, kNow + absl::Milliseconds(700));
}

TEST(AttemptDeadlineTest, WithoutPerTryTimeoutIsTheCallDeadline) {
  EXPECT_EQ(AttemptDeadline(kNow, kNow + absl::Seconds(5), RetryPolicy{}), kNow + absl::Seconds(5));
}

TEST(AttemptDeadlineTest, PerTryTimeoutShortensTheAttempt) {
  RetryPolicy retry;
  retry.per_try_timeout = absl::Milliseconds(500);
  EXPECT_EQ(AttemptDeadline(kNow, kNow + absl::Seconds(5), retry), kNow + absl::Milliseconds(500));
}

TEST(AttemptDeadlineTest, NeverOutlivesTheCallDeadline) {
  RetryPolicy retry;
  retry.per_try_timeout = absl::Seconds(10);
  EXPECT_EQ(AttemptDeadline(kNow, kNow + absl::Seconds(1), retry), kNow + absl::Seconds(1));
}

// Whether a call of `method` planned with no route tries again after its
// attempt number `attempt` ended with `status`.
bool Retries(const MethodInfo& method, int attempt, const absl::Status& status,
             bool per_try_timed_out) {
  CallPlan plan;
  PlanDeadlineAndRetries(method, CallOptions{}, /*route=*/nullptr, kNow, plan);
  return internal::ShouldRetry(plan.tries, plan.retry_on, method.idempotent, attempt, status,
                     per_try_timed_out);
}

TEST(ShouldRetryTest, RetriesUnavailableByDefault) {
  MethodInfo method = Method(absl::Seconds(1), 3, true);
  EXPECT_TRUE(Retries(method, 1, absl::UnavailableError("x"), false));
  EXPECT_TRUE(Retries(method, 2, absl::UnavailableError("x"), false));
  EXPECT_FALSE(Retries(method, 1, absl::InternalError("x"), false));
}

TEST(ShouldRetryTest, StopsWhenAttemptsAreUsedUp) {
  EXPECT_FALSE(
      Retries(Method(absl::Seconds(1), 3, true), 3, absl::UnavailableError("x"), false));
  // No attempts in the IDL: Istio's default of 2 retries.
  const MethodInfo unset = Method(absl::Seconds(1), 0, true);
  EXPECT_TRUE(Retries(unset, kDefaultTries - 1, absl::UnavailableError("x"), false));
  EXPECT_FALSE(Retries(unset, kDefaultTries, absl::UnavailableError("x"), false));
}

TEST(ShouldRetryTest, NeverRetriesANonIdempotentMethod) {
  MethodInfo method = Method(absl::Seconds(1), 3, false);
  EXPECT_FALSE(Retries(method, 1, absl::UnavailableError("x"), false));
  EXPECT_FALSE(Retries(method, 1, absl::DeadlineExceededError("x"), true));
}

TEST(ShouldRetryTest, NeverRetriesSuccess) {
  EXPECT_FALSE(Retries(Method(absl::Seconds(1), 3, true), 1, absl::OkStatus(), false));
}

TEST(ShouldRetryTest, FollowsTheRetryOnList) {
  MethodInfo method = Method(absl::Seconds(1), 3, true);
  method.retry.retry_on = kRetryOnUnavailableAndInternal;
  EXPECT_TRUE(Retries(method, 1, absl::InternalError("x"), false));
  EXPECT_TRUE(Retries(method, 1, absl::UnavailableError("x"), false));
  EXPECT_FALSE(Retries(method, 1, absl::ResourceExhaustedError("x"), false));
}

TEST(ShouldRetryTest, RetriesAnAttemptThatRanOutOfItsPerTryTimeout) {
  MethodInfo method = Method(absl::Seconds(1), 2, true);
  EXPECT_TRUE(Retries(method, 1, absl::DeadlineExceededError("x"), true));
  EXPECT_FALSE(Retries(method, 1, absl::DeadlineExceededError("x"), false));
}

TEST(PerTryTimedOutTest, AnAttemptEndingAtItsDeadlineRanOutOfIt) {
  const absl::Time attempt = kNow + absl::Milliseconds(300);
  const absl::Time call = kNow + absl::Seconds(3);
  EXPECT_TRUE(PerTryTimedOut(absl::DeadlineExceededError("x"), attempt, attempt, call));
  EXPECT_TRUE(PerTryTimedOut(absl::DeadlineExceededError("x"), attempt + absl::Milliseconds(40),
                             attempt, call));
}

TEST(PerTryTimedOutTest, GrpcEndingTheAttemptALittleEarlyStillCounts) {
  const absl::Time attempt = kNow + absl::Milliseconds(300);
  const absl::Time call = kNow + absl::Seconds(3);
  EXPECT_TRUE(PerTryTimedOut(absl::DeadlineExceededError("x"), attempt - absl::Microseconds(280),
                             attempt, call));
  EXPECT_TRUE(
      PerTryTimedOut(absl::DeadlineExceededError("x"), attempt - kDeadlineSlack, attempt, call));
}

TEST(PerTryTimedOutTest, AnEarlierDeadlineExceededIsTheServersNotTheTimeout) {
  const absl::Time attempt = kNow + absl::Milliseconds(300);
  EXPECT_FALSE(PerTryTimedOut(absl::DeadlineExceededError("x"), kNow + absl::Milliseconds(100),
                              attempt, kNow + absl::Seconds(3)));
}

TEST(PerTryTimedOutTest, OnlyDeadlineExceededOnAnAttemptShorterThanTheCall) {
  const absl::Time attempt = kNow + absl::Milliseconds(300);
  EXPECT_FALSE(
      PerTryTimedOut(absl::UnavailableError("x"), attempt, attempt, kNow + absl::Seconds(3)));
  // Without a per-try timeout the attempt's deadline is the call's.
  EXPECT_FALSE(PerTryTimedOut(absl::DeadlineExceededError("x"), attempt, attempt, attempt));
}

TEST(RetryBackoffTest, DoublesFrom25msUpTo250ms) {
  EXPECT_EQ(RetryBackoff(2), absl::Milliseconds(25));
  EXPECT_EQ(RetryBackoff(3), absl::Milliseconds(50));
  EXPECT_EQ(RetryBackoff(4), absl::Milliseconds(100));
  EXPECT_EQ(RetryBackoff(5), absl::Milliseconds(200));
  EXPECT_EQ(RetryBackoff(6), absl::Milliseconds(250));
  EXPECT_EQ(RetryBackoff(10), absl::Milliseconds(250));
}

TEST(RefusedByServerTest, OnlyAServerOutOfThreadsRefusedTheCall) {
  EXPECT_TRUE(RefusedByServer(absl::ResourceExhaustedError("Server Threadpool Exhausted")));
  // A handler's own RESOURCE_EXHAUSTED ran the handler: not a refusal.
  EXPECT_FALSE(RefusedByServer(absl::ResourceExhaustedError("quota of jason exceeded")));
  EXPECT_FALSE(RefusedByServer(absl::UnavailableError("Server Threadpool Exhausted")));
}

}  // namespace
}  // namespace meshup::internal
