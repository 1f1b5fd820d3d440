#include "telemetry/trace_context.h"

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesAndFormatsAValidHeader) {
  std::optional<TraceContext> context = ParseTraceparent(kValid);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(HexId(context->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(HexId(context->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled);
  EXPECT_EQ(FormatTraceparent(*context), kValid);
  context = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(context.has_value());
  EXPECT_FALSE(context->sampled);
}

TEST(TraceparentTest, ReadsFutureVersionsByTheirKnownFields) {
  EXPECT_TRUE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever")
                  .has_value());
  EXPECT_FALSE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x")
                   .has_value());
}

TEST(TraceparentTest, IgnoresMalformedHeaders) {
  for (const char* bad : {
           "",
           "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with extra
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "0-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  std::string with_nul(kValid);
  with_nul[10] = '\0';
  EXPECT_FALSE(ParseTraceparent(with_nul).has_value());
}

TEST(B3Test, ParsesTheSingleHeader) {
  std::optional<TraceContext> context =
      ParseB3Single("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(HexId(context->trace_id), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_EQ(HexId(context->span_id), "e457b5a2e4d86bd1");
  EXPECT_TRUE(context->sampled);
  // A 64-bit trace ID is the low half.
  context = ParseB3Single("64fe8b2a57d3eff7-e457b5a2e4d86bd1-0");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(HexId(context->trace_id), "000000000000000064fe8b2a57d3eff7");
  EXPECT_FALSE(context->sampled);
  for (const char* bad : {"0", "1", "d", "zz-e457b5a2e4d86bd1", "64fe8b2a57d3eff7-e457",
                          "64fe8b2a57d3eff7-e457b5a2e4d86bd1-x",
                          "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1-nothex"}) {
    EXPECT_FALSE(ParseB3Single(bad).has_value()) << bad;
  }
}

TEST(B3Test, ParsesTheMultiHeaderForm) {
  std::optional<TraceContext> context =
      ParseB3Multi("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "1");
  ASSERT_TRUE(context.has_value());
  EXPECT_TRUE(context->sampled);
  EXPECT_FALSE(ParseB3Multi("463ac35c9f6413ad", "a2fb4a1d1a96d31", "1").has_value());
  EXPECT_FALSE(ParseB3Multi("", "", "").has_value());
}

TEST(ScopedTraceContextTest, NestsAndRestores) {
  EXPECT_EQ(CurrentTraceContext(), nullptr);
  TraceContext outer, inner;
  {
    ScopedTraceContext a(&outer);
    EXPECT_EQ(CurrentTraceContext(), &outer);
    {
      ScopedTraceContext b(&inner);
      EXPECT_EQ(CurrentTraceContext(), &inner);
    }
    EXPECT_EQ(CurrentTraceContext(), &outer);
  }
  EXPECT_EQ(CurrentTraceContext(), nullptr);
}

}  // namespace
}  // namespace meshup::internal
