// RequestParser without sockets: framing, limits and errors, whatever the
// split of the bytes.
#include "http/request_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

std::vector<ParsedRequest> FeedInPieces(RequestParser& parser, const std::string& bytes,
                                        size_t piece) {
  std::vector<ParsedRequest> out;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    parser.Feed(absl::string_view(bytes).substr(i, piece), out);
  }
  return out;
}

TEST(RequestParserTest, ParsesPipelinedRequestsWhateverTheSplit) {
  const std::string bytes =
      "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Long: one two\r\n\r\n"
      "POST http://h/form HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "DELETE /last HTTP/1.1\r\nConnection: close\r\n\r\n";
  for (size_t piece : {bytes.size(), size_t{1}, size_t{7}}) {
    RequestParser parser(16 * 1024, 1024);
    std::vector<ParsedRequest> requests = FeedInPieces(parser, bytes, piece);
    ASSERT_EQ(requests.size(), 3u) << piece;
    EXPECT_EQ(requests[0].request.method, "GET");
    EXPECT_EQ(requests[0].request.path, "/a/b");
    EXPECT_EQ(requests[0].request.query, "x=1&y=2");
    EXPECT_EQ(requests[0].request.headers.Get("x-long").value(), "one two");
    EXPECT_TRUE(requests[0].keep_alive);
    EXPECT_EQ(requests[1].request.path, "/form");
    EXPECT_EQ(requests[1].request.body, "abc");
    EXPECT_EQ(requests[2].request.method, "DELETE");
    EXPECT_FALSE(requests[2].keep_alive);
    EXPECT_EQ(parser.state(), RequestParser::State::kStopped);
    EXPECT_EQ(parser.error_status(), 0);
  }
}

TEST(RequestParserTest, TracksStateAndRequestsBegun) {
  RequestParser parser(1024, 1024);
  std::vector<ParsedRequest> out;
  EXPECT_EQ(parser.state(), RequestParser::State::kIdle);
  parser.Feed("GET / HTTP/1.1\r\n", out);
  EXPECT_EQ(parser.state(), RequestParser::State::kHeaders);
  EXPECT_EQ(parser.requests_begun(), 1u);
  parser.Feed("Content-Length: 2\r\nExpect: 100-continue\r\n\r\n", out);
  EXPECT_EQ(parser.state(), RequestParser::State::kBody);
  EXPECT_TRUE(parser.TakeContinueRequest());
  EXPECT_FALSE(parser.TakeContinueRequest());
  parser.Feed("hi", out);
  EXPECT_EQ(parser.state(), RequestParser::State::kIdle);
  ASSERT_EQ(out.size(), 1u);
}

TEST(RequestParserTest, Limits) {
  {
    RequestParser parser(100, 1024);
    std::vector<ParsedRequest> out;
    parser.Feed("GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n", out);
    EXPECT_EQ(parser.error_status(), 431);
    EXPECT_TRUE(out.empty());
  }
  {
    RequestParser parser(1024, 10);
    std::vector<ParsedRequest> out;
    parser.Feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", out);
    EXPECT_EQ(parser.error_status(), 413);
  }
  {
    RequestParser parser(1024, 10);
    std::vector<ParsedRequest> out;
    parser.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n", out);
    EXPECT_EQ(parser.error_status(), 0);
    parser.Feed("6\r\nabcdef\r\n", out);
    EXPECT_EQ(parser.error_status(), 413);
    parser.Feed("GET / HTTP/1.1\r\n\r\n", out);  // ignored once stopped
    EXPECT_TRUE(out.empty());
  }
}

TEST(RequestParserTest, Errors) {
  for (const auto& [bytes, status] :
       std::vector<std::pair<std::string, int>>{{"NOT HTTP\r\n\r\n", 400},
                                                {"GET / HTTP/1.1\r\nbad header\r\n\r\n", 400},
                                                {"GET / HTTP/2.0\r\n\r\n", 505},
                                                {"GET http://[bad HTTP/1.1\r\n\r\n", 400},
                                                // RFC 9112 section 5.1: no space before ':'.
                                                {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
                                                {"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400}}) {
    RequestParser parser(1024, 1024);
    std::vector<ParsedRequest> out;
    parser.Feed(bytes, out);
    EXPECT_EQ(parser.error_status(), status) << bytes;
    EXPECT_EQ(parser.state(), RequestParser::State::kStopped);
  }
}

TEST(RequestParserTest, WhitespaceBeforeTheColonIs400WhateverTheSplit) {
  const std::string bytes = "GET / HTTP/1.1\r\nX-Name : v\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{3}, bytes.size()}) {
    RequestParser parser(1024, 1024);
    std::vector<ParsedRequest> out = FeedInPieces(parser, bytes, piece);
    EXPECT_TRUE(out.empty()) << piece;
    EXPECT_EQ(parser.error_status(), 400) << piece;
  }
}

TEST(RequestParserTest, StopsAfterMaxRequestsAndResumesWithTheRest) {
  std::string bytes;
  for (int i = 0; i < 5; ++i) bytes += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  bytes += "GET /partial HTTP/1.1\r\nHo";
  RequestParser parser(1024, 1024);
  std::vector<ParsedRequest> out;
  absl::string_view rest = bytes;
  size_t used = parser.Feed(rest, out, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(used, 2 * std::string("GET /0 HTTP/1.1\r\n\r\n").size());
  EXPECT_EQ(parser.state(), RequestParser::State::kIdle);
  rest.remove_prefix(used);
  EXPECT_EQ(parser.Feed(rest, out, 0), 0u);  // no room: nothing parsed
  used = parser.Feed(rest, out, 10);
  EXPECT_EQ(used, rest.size());
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[4].request.path, "/4");
  EXPECT_EQ(parser.state(), RequestParser::State::kHeaders);
}

TEST(RequestParserTest, UpgradeRequestsEndTheConnection) {
  RequestParser parser(1024, 1024);
  std::vector<ParsedRequest> out;
  parser.Feed("GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nbinary", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].keep_alive);
  EXPECT_EQ(parser.state(), RequestParser::State::kStopped);
  EXPECT_EQ(parser.error_status(), 0);
}

}  // namespace
}  // namespace meshup::internal
