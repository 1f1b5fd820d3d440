// The request/response helpers: headers, query and form parsing, cookies,
// percent-encoding.
#include "meshup/http_message.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(HttpHeadersTest, LooksUpNamesInAnyCaseAndKeepsDuplicates) {
  HttpHeaders headers;
  headers.Add("Set-Cookie", "a=1");
  headers.Add("set-cookie", "b=2");
  headers.Add("X-One", "1");
  EXPECT_EQ(headers.Get("SET-COOKIE").value(), "a=1");
  EXPECT_THAT(headers.GetAll("Set-Cookie"), ElementsAre("a=1", "b=2"));
  EXPECT_FALSE(headers.Get("missing").has_value());
  headers.Set("SET-cookie", "c=3");
  EXPECT_THAT(headers.GetAll("set-cookie"), ElementsAre("c=3"));
  headers.Remove("x-one");
  EXPECT_FALSE(headers.Has("X-One"));
}

TEST(ParseUrlEncodedTest, DecodesPlusAndEscapesFirstNameWins) {
  EXPECT_THAT(ParseUrlEncoded("username=jason&passwd=a+b%21&username=other&flag&=x&&bad=%zz%4"),
              ElementsAre(Pair("bad", "%zz%4"), Pair("flag", ""), Pair("passwd", "a b!"),
                          Pair("username", "jason")));
  EXPECT_TRUE(ParseUrlEncoded("").empty());
}

TEST(ParseCookiesTest, TrimsAndUnquotes) {
  EXPECT_THAT(ParseCookies(" user=jason ; theme=\"dark\";novalue; user=second;=x"),
              ElementsAre(Pair("theme", "dark"), Pair("user", "jason")));
}

TEST(UrlEncodingTest, RoundTrips) {
  const std::string text = "a b/ü&=?%+~._-";
  EXPECT_EQ(UrlEncode(text), "a%20b%2F%C3%BC%26%3D%3F%25%2B~._-");
  EXPECT_EQ(UrlDecode(UrlEncode(text)), text);
  EXPECT_EQ(UrlDecode("a+b", /*plus_is_space=*/false), "a+b");
}

TEST(HttpRequestTest, FormParamsNeedTheFormContentType) {
  HttpRequest request;
  request.body = "a=1";
  EXPECT_TRUE(request.FormParams().empty());
  request.headers.Add("content-type", "Application/X-WWW-Form-Urlencoded; charset=utf-8");
  EXPECT_THAT(request.FormParams(), ElementsAre(Pair("a", "1")));
  request.headers.Add("Cookie", "x=1");
  request.headers.Add("Cookie", "y=2; x=3");
  EXPECT_THAT(request.Cookies(), ElementsAre(Pair("x", "1"), Pair("y", "2")));
}

TEST(HttpResponseTest, Helpers) {
  HttpResponse redirect = HttpResponse::Redirect("/productpage");
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.headers.Get("location").value(), "/productpage");
  EXPECT_EQ(HttpResponse::Json(200, "{}").headers.Get("Content-Type").value(),
            "application/json; charset=utf-8");
}

}  // namespace
}  // namespace meshup
