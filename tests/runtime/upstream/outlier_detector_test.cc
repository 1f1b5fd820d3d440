#include "upstream/outlier_detector.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using absl::StatusCode;

EndpointList MakeEndpoints(int count) {
  EndpointList endpoints;
  for (int i = 0; i < count; ++i) {
    endpoints.push_back(
        std::make_shared<Endpoint>(EndpointInfo{absl::StrCat("10.0.0.", i, ":9080")}));
  }
  return endpoints;
}

config::OutlierDetection Policy(int consecutive_errors = 5, int max_ejection_percent = 100) {
  config::OutlierDetection policy;
  policy.consecutive_errors = consecutive_errors;
  policy.base_ejection_time = absl::Seconds(30);
  policy.max_ejection_percent = max_ejection_percent;
  return policy;
}

class OutlierDetectorTest : public testing::Test {
 protected:
  void Fail(OutlierDetector& detector, const EndpointList& set, int index, int times) {
    for (int i = 0; i < times; ++i) detector.Record(*set[index], StatusCode::kUnavailable, set);
  }
  bool IsEjected(const EndpointList& set, int index) { return set[index]->IsEjected(clock_.Now()); }

  FakeClock clock_;
};

TEST(IsEndpointFailureTest, CountsWhatEnvoyCountsAs5xx) {
  for (StatusCode code :
       {StatusCode::kUnavailable, StatusCode::kInternal, StatusCode::kUnknown,
        StatusCode::kDeadlineExceeded, StatusCode::kDataLoss, StatusCode::kUnimplemented}) {
    EXPECT_TRUE(IsEndpointFailure(code)) << absl::StatusCodeToString(code);
  }
  for (StatusCode code :
       {StatusCode::kOk, StatusCode::kNotFound, StatusCode::kInvalidArgument,
        StatusCode::kPermissionDenied, StatusCode::kUnauthenticated, StatusCode::kResourceExhausted,
        StatusCode::kCancelled, StatusCode::kFailedPrecondition, StatusCode::kAlreadyExists}) {
    EXPECT_FALSE(IsEndpointFailure(code)) << absl::StatusCodeToString(code);
  }
}

TEST_F(OutlierDetectorTest, EjectsAtExactlyTheThreshold) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 4);
  EXPECT_FALSE(IsEjected(set, 0));
  EXPECT_EQ(set[0]->consecutive_failures().load(), 4);
  Fail(detector, set, 0, 1);
  EXPECT_TRUE(IsEjected(set, 0));
  EXPECT_EQ(set[0]->times_ejected().load(), 1);
  EXPECT_EQ(set[0]->consecutive_failures().load(), 0);
  EXPECT_FALSE(IsEjected(set, 1));
}

TEST_F(OutlierDetectorTest, ReturnsAfterTheBaseEjectionTime) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 5);
  clock_.Advance(absl::Seconds(30) - absl::Nanoseconds(1));
  EXPECT_TRUE(IsEjected(set, 0));
  clock_.Advance(absl::Nanoseconds(1));
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, SecondEjectionLastsTwiceAsLong) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 5);
  clock_.Advance(absl::Seconds(30));
  Fail(detector, set, 0, 5);
  EXPECT_EQ(set[0]->times_ejected().load(), 2);
  clock_.Advance(absl::Seconds(60) - absl::Nanoseconds(1));
  EXPECT_TRUE(IsEjected(set, 0));
  clock_.Advance(absl::Nanoseconds(1));
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, KeepsTheEjectionCountAfterSuccesses) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 5);
  clock_.Advance(absl::Seconds(30));
  for (int i = 0; i < 100; ++i) detector.Record(*set[0], StatusCode::kOk, set);
  Fail(detector, set, 0, 5);
  EXPECT_EQ(set[0]->times_ejected().load(), 2);
}

TEST_F(OutlierDetectorTest, SuccessResetsTheCount) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 4);
  detector.Record(*set[0], StatusCode::kOk, set);
  EXPECT_EQ(set[0]->consecutive_failures().load(), 0);
  Fail(detector, set, 0, 4);
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, AnApplicationErrorCountsAsASuccess) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 4);
  detector.Record(*set[0], StatusCode::kNotFound, set);
  Fail(detector, set, 0, 4);
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, FailuresWhileEjectedDoNotExtendTheEjection) {
  EndpointList set = MakeEndpoints(2);
  OutlierDetector detector(Policy(5), clock_);
  Fail(detector, set, 0, 5);
  clock_.Advance(absl::Seconds(10));
  Fail(detector, set, 0, 10);  // calls that were in flight
  EXPECT_EQ(set[0]->times_ejected().load(), 1);
  EXPECT_EQ(set[0]->consecutive_failures().load(), 0);
  clock_.Advance(absl::Seconds(20));
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, RespectsMaxEjectionPercent) {
  EndpointList set = MakeEndpoints(10);
  OutlierDetector detector(Policy(5, 20), clock_);  // 2 of 10
  Fail(detector, set, 0, 5);
  Fail(detector, set, 1, 5);
  Fail(detector, set, 2, 5);
  EXPECT_TRUE(IsEjected(set, 0));
  EXPECT_TRUE(IsEjected(set, 1));
  EXPECT_FALSE(IsEjected(set, 2));
  EXPECT_EQ(set[2]->times_ejected().load(), 0);
  // Refused, the endpoint stays at the threshold: once another returns, its
  // next failure ejects it.
  clock_.Advance(absl::Seconds(30));
  Fail(detector, set, 2, 1);
  EXPECT_TRUE(IsEjected(set, 2));
}

TEST_F(OutlierDetectorTest, AlwaysAllowsOneEjectionWhenThePercentIsAboveZero) {
  EndpointList set = MakeEndpoints(3);
  OutlierDetector detector(Policy(5, 10), clock_);  // 10% of 3 rounds down to 0
  Fail(detector, set, 0, 5);
  Fail(detector, set, 1, 5);
  EXPECT_TRUE(IsEjected(set, 0));
  EXPECT_FALSE(IsEjected(set, 1));
}

TEST_F(OutlierDetectorTest, ZeroPercentNeverEjects) {
  EndpointList set = MakeEndpoints(3);
  OutlierDetector detector(Policy(5, 0), clock_);
  Fail(detector, set, 0, 50);
  EXPECT_FALSE(IsEjected(set, 0));
}

TEST_F(OutlierDetectorTest, ZeroConsecutiveErrorsDisablesDetection) {
  EndpointList set = MakeEndpoints(3);
  OutlierDetector detector(Policy(0), clock_);
  Fail(detector, set, 0, 50);
  EXPECT_FALSE(IsEjected(set, 0));
}

}  // namespace
}  // namespace meshup::internal
