#include "names.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

TEST(NamesTest, Dns1123Labels) {
  EXPECT_TRUE(IsDns1123Label("reviews"));
  EXPECT_TRUE(IsDns1123Label("reviews-v2"));
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
  EXPECT_FALSE(IsDns1123Label(""));
  EXPECT_FALSE(IsDns1123Label("Reviews"));
  EXPECT_FALSE(IsDns1123Label("-reviews"));
  EXPECT_FALSE(IsDns1123Label("reviews-"));
  EXPECT_FALSE(IsDns1123Label("reviews.v1"));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
}

TEST(NamesTest, LabelValues) {
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("v1"));
  EXPECT_TRUE(IsLabelValue("V1.2_beta-3"));
  EXPECT_FALSE(IsLabelValue("-v1"));
  EXPECT_FALSE(IsLabelValue("v 1"));
  EXPECT_FALSE(IsLabelValue(std::string(64, 'a')));
}

TEST(NamesTest, HostPortTargets) {
  EXPECT_TRUE(ValidateHostPort("127.0.0.1:8080").ok());
  EXPECT_TRUE(ValidateHostPort("localhost:1").ok());
  EXPECT_TRUE(ValidateHostPort("[::1]:65535").ok());
  EXPECT_THAT(ValidateHostPort("reviews").message(), HasSubstr("'reviews' has no port"));
  EXPECT_THAT(ValidateHostPort(":80").message(), HasSubstr("has no host"));
  EXPECT_THAT(ValidateHostPort("h:0").message(), HasSubstr("port '0': expected 1 to 65535"));
  EXPECT_THAT(ValidateHostPort("h:http").message(), HasSubstr("port 'http'"));
  EXPECT_THAT(ValidateHostPort("::1:80").message(), HasSubstr("IPv6 host must be in brackets"));
}

}  // namespace
}  // namespace meshup::internal
