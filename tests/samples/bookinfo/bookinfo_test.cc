// Bookinfo's pieces without processes: the page renderer, the JSON API,
// the reviews versions against a fake ratings call, and the product page's
// handlers against fake backends.
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "book.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "html.h"
#include "mesh_backends.h"
#include "nlohmann/json.hpp"
#include "page_renderer.h"
#include "product_api.h"
#include "productpage.h"
#include "reviews_service.h"

namespace bookinfo {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& what) {
  int count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

ProductReviews ReviewsOf(const std::string& version, absl::StatusOr<Ratings> ratings,
                         std::vector<meshup::CallOptions>* calls = nullptr) {
  auto service = ReviewsServiceImpl::Create(
      version, "reviews-" + version + "-1",
      [&](const GetRatingsRequest& request, const meshup::CallOptions& options) {
        EXPECT_EQ(request.product_id(), 0);
        if (calls != nullptr) calls->push_back(options);
        return ratings;
      });
  EXPECT_TRUE(service.ok()) << service.status();
  absl::StatusOr<ProductReviews> reviews = (*service)->Reviews(0, "jason");
  EXPECT_TRUE(reviews.ok()) << reviews.status();
  return *reviews;
}

Ratings BookRatingsMessage() {
  Ratings ratings;
  ratings.set_id(0);
  for (const auto& [reviewer, stars] : BookRatings())
    (*ratings.mutable_ratings())[reviewer] = stars;
  return ratings;
}

TEST(HtmlEscapeTest, EscapesTheFiveCharacters) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(ReviewsServiceTest, V1NeverCallsRatings) {
  std::vector<meshup::CallOptions> calls;
  ProductReviews reviews = ReviewsOf("v1", BookRatingsMessage(), &calls);
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(reviews.version(), "v1");
  ASSERT_EQ(reviews.reviews_size(), 2);
  EXPECT_EQ(reviews.reviews(0).reviewer(), "Reviewer1");
  EXPECT_EQ(reviews.reviews(1).reviewer(), "Reviewer2");
  EXPECT_FALSE(reviews.reviews(0).has_rating());
}

TEST(ReviewsServiceTest, V2AndV3ColorTheStarsAndForwardEndUser) {
  for (const auto& [version, color] :
       std::vector<std::pair<std::string, std::string>>{{"v2", "black"}, {"v3", "red"}}) {
    std::vector<meshup::CallOptions> calls;
    ProductReviews reviews = ReviewsOf(version, BookRatingsMessage(), &calls);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_THAT(calls[0].headers, ::testing::ElementsAre(std::make_pair(std::string("end-user"),
                                                                        std::string("jason"))));
    EXPECT_EQ(reviews.version(), version);
    EXPECT_EQ(reviews.reviews(0).rating().stars(), 5);
    EXPECT_EQ(reviews.reviews(1).rating().stars(), 4);
    EXPECT_EQ(reviews.reviews(1).rating().color(), color);
  }
}

TEST(ReviewsServiceTest, FailedRatingsCallMarksEveryReview) {
  ProductReviews reviews = ReviewsOf("v3", absl::UnavailableError("down"));
  ASSERT_EQ(reviews.reviews_size(), 2);
  for (const Review& review : reviews.reviews()) {
    EXPECT_EQ(review.rating().error(), "Ratings service is currently unavailable");
    EXPECT_EQ(review.rating().stars(), 0);
  }
}

TEST(ReviewsServiceTest, RefusesUnknownVersionsAndProducts) {
  EXPECT_EQ(ReviewsServiceImpl::Create("v4", "", nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto service = ReviewsServiceImpl::Create("v1", "", nullptr);
  EXPECT_EQ((*service)->Reviews(7, "").status().code(), absl::StatusCode::kNotFound);
}

TEST(PageRendererTest, RendersDetailsReviewsStarsAndVersion) {
  ProductPageModel model;
  model.user = "jason";
  model.details = BookDetails();
  model.reviews = ReviewsOf("v3", BookRatingsMessage());
  const std::string page = RenderProductPage(model);
  EXPECT_THAT(page, HasSubstr("<h1>The Comedy of Errors</h1>"));
  EXPECT_THAT(page, HasSubstr("William Shakespeare"));
  EXPECT_THAT(page, HasSubstr("123-1234567890"));
  EXPECT_THAT(page, HasSubstr("PublisherA"));
  EXPECT_THAT(page, HasSubstr("Reviews served by: <b>reviews-v3</b>"));
  EXPECT_THAT(page, HasSubstr("style=\"color: red\""));
  EXPECT_EQ(Count(page, "\u2605"), 9);  // 5 + 4 filled stars
  EXPECT_EQ(Count(page, "\u2606"), 1);
  EXPECT_THAT(page, HasSubstr("Signed in as <b>jason</b>"));
  EXPECT_THAT(page, Not(HasSubstr("name=\"passwd\"")));
}

TEST(PageRendererTest, V1ShowsNoStarsAndAnonymousSeesTheLoginForm) {
  ProductPageModel model;
  model.details = BookDetails();
  model.reviews = ReviewsOf("v1", BookRatingsMessage());
  const std::string page = RenderProductPage(model);
  EXPECT_EQ(Count(page, "\u2605"), 0);
  EXPECT_THAT(page, HasSubstr("reviews-v1"));
  EXPECT_THAT(page, HasSubstr("action=\"/login\""));
  EXPECT_THAT(page, HasSubstr("name=\"username\""));
  EXPECT_THAT(page, HasSubstr("name=\"passwd\""));
}

TEST(PageRendererTest, UnavailableTexts) {
  ProductPageModel model;
  model.details = absl::UnavailableError("down");
  model.reviews = absl::DeadlineExceededError("slow");
  std::string page = RenderProductPage(model);
  EXPECT_THAT(page, HasSubstr("Sorry, product details are currently unavailable for this book."));
  EXPECT_THAT(page, HasSubstr("Sorry, product reviews are currently unavailable for this book."));
  EXPECT_THAT(page, HasSubstr("The Comedy of Errors"));

  model.reviews = ReviewsOf("v2", absl::UnavailableError("down"));
  page = RenderProductPage(model);
  EXPECT_EQ(Count(page, "Ratings service is currently unavailable"), 2);
}

TEST(PageRendererTest, EscapesEverythingInserted) {
  ProductPageModel model;
  model.user = "<script>alert(1)</script>";
  Details details = BookDetails();
  details.set_author("A & \"B\"");
  model.details = details;
  ProductReviews reviews = ReviewsOf("v2", BookRatingsMessage());
  reviews.mutable_reviews(0)->set_text("<img src=x onerror=alert(1)>");
  reviews.mutable_reviews(0)->mutable_rating()->set_color("red\" onmouseover=\"x");
  reviews.set_podname("<b>");
  model.reviews = reviews;
  const std::string page = RenderProductPage(model);
  EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(page, HasSubstr("A &amp; &quot;B&quot;"));
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("\" onmouseover")));
  EXPECT_THAT(page, HasSubstr("(&lt;b&gt;)"));
}

TEST(ProductApiTest, Json) {
  nlohmann::json products = nlohmann::json::parse(ProductsJson());
  ASSERT_EQ(products.size(), 1u);
  EXPECT_EQ(products[0]["id"], 0);
  EXPECT_EQ(products[0]["title"], "The Comedy of Errors");
  EXPECT_FALSE(products[0]["descriptionHtml"].get<std::string>().empty());

  nlohmann::json details = nlohmann::json::parse(DetailsJson(BookDetails()));
  EXPECT_EQ(details["author"], "William Shakespeare");
  EXPECT_EQ(details["year"], 1595);
  EXPECT_EQ(details["pages"], 200);
  EXPECT_EQ(details["ISBN-10"], "1234567890");
  EXPECT_EQ(details["ISBN-13"], "123-1234567890");

  nlohmann::json reviews =
      nlohmann::json::parse(ReviewsJson(ReviewsOf("v2", BookRatingsMessage())));
  EXPECT_EQ(reviews["version"], "v2");
  EXPECT_EQ(reviews["reviews"][0]["rating"]["stars"], 5);
  EXPECT_EQ(reviews["reviews"][1]["rating"]["color"], "black");
  reviews = nlohmann::json::parse(ReviewsJson(ReviewsOf("v1", BookRatingsMessage())));
  EXPECT_FALSE(reviews["reviews"][0].contains("rating"));
  reviews = nlohmann::json::parse(ReviewsJson(ReviewsOf("v3", absl::UnavailableError(""))));
  EXPECT_EQ(reviews["reviews"][0]["rating"]["error"], "Ratings service is currently unavailable");

  nlohmann::json ratings = nlohmann::json::parse(RatingsJson(BookRatingsMessage()));
  EXPECT_EQ(ratings["ratings"]["Reviewer1"], 5);
  EXPECT_EQ(ratings["ratings"]["Reviewer2"], 4);
  // Not UTF-8: replaced, never thrown.
  EXPECT_THAT(ErrorJson("bad \xff byte"), HasSubstr("bad"));
}

class FakeBackends final : public Backends {
 public:
  absl::StatusOr<Details> GetDetails(int id, const std::string& user) override {
    Record(user);
    if (id != 0) return absl::NotFoundError("no");
    return details;
  }
  absl::StatusOr<ProductReviews> GetReviews(int id, const std::string& user) override {
    Record(user);
    if (id != 0) return absl::NotFoundError("no");
    return reviews;
  }
  absl::StatusOr<Ratings> GetRatings(int, const std::string& user) override {
    Record(user);
    return ratings;
  }
  void Record(const std::string& user) {
    std::lock_guard<std::mutex> lock(mu);
    users.push_back(user);
  }

  absl::StatusOr<Details> details = BookDetails();
  absl::StatusOr<ProductReviews> reviews = ReviewsOf("v2", BookRatingsMessage());
  absl::StatusOr<Ratings> ratings = BookRatingsMessage();
  std::mutex mu;
  std::vector<std::string> users;
};

meshup::HttpRequest Request(const std::string& method, const std::string& path,
                            const std::string& cookie = "") {
  meshup::HttpRequest request;
  request.method = method;
  request.path = path;
  if (!cookie.empty()) request.headers.Add("Cookie", cookie);
  return request;
}

TEST(ProductPageTest, LoginSetsTheCookieAndTheUserReachesTheBackends) {
  FakeBackends backends;
  ProductPage page(backends);
  meshup::HttpRequest login = Request("POST", "/login");
  login.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  login.body = "username=jason&passwd=secret";
  meshup::HttpResponse response = page.Login(login);
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(response.headers.Get("Location").value(), "/productpage");
  const std::string cookie = std::string(response.headers.Get("Set-Cookie").value());
  EXPECT_THAT(cookie, HasSubstr("user=jason;"));

  response = page.Page(Request("GET", "/productpage", "user=jason"));
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr("Signed in as <b>jason</b>"));
  EXPECT_THAT(backends.users, ::testing::ElementsAre("jason", "jason"));

  response = page.Logout(Request("POST", "/logout", "user=jason"));
  EXPECT_EQ(response.status, 302);
  EXPECT_THAT(std::string(response.headers.Get("Set-Cookie").value()), HasSubstr("Max-Age=0"));
}

TEST(ProductPageTest, EmptyUsernameDoesNotLogIn) {
  FakeBackends backends;
  ProductPage page(backends);
  meshup::HttpRequest login = Request("POST", "/login");
  login.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  login.body = "username=&passwd=x";
  meshup::HttpResponse response = page.Login(login);
  EXPECT_EQ(response.status, 302);
  EXPECT_FALSE(response.headers.Has("Set-Cookie"));
}

// A 1 MB username used to come back as a 1 MB Set-Cookie header.
TEST(ProductPageTest, AnOverlongUsernameIs400WithoutACookie) {
  FakeBackends backends;
  ProductPage page(backends);
  meshup::HttpRequest login = Request("POST", "/login");
  login.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  login.body = "username=" + std::string(1000 * 1000, 'u') + "&passwd=x";
  meshup::HttpResponse response = page.Login(login);
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("username is 1000000 bytes long; at most 256"));
  EXPECT_FALSE(response.headers.Has("Set-Cookie"));
  // 256 bytes still log in.
  login.body = "username=" + std::string(256, 'u');
  response = page.Login(login);
  EXPECT_EQ(response.status, 302);
  EXPECT_TRUE(response.headers.Has("Set-Cookie"));
}

TEST(ProductPageTest, NamesWithOddCharactersRoundTripThroughTheCookie) {
  FakeBackends backends;
  ProductPage page(backends);
  meshup::HttpRequest login = Request("POST", "/login");
  login.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  login.body = "username=J%C3%BCrgen%3B+x%3Dy";
  const std::string set = std::string(page.Login(login).headers.Get("Set-Cookie").value());
  const std::string cookie = set.substr(0, set.find(';'));
  EXPECT_EQ(ProductPage::User(Request("GET", "/", cookie)), "J\xC3\xBCrgen; x=y");
  // Not printable ASCII: no end-user header rather than a failed call.
  EXPECT_TRUE(EndUserOptions("J\xC3\xBCrgen").headers.empty());
  EXPECT_EQ(EndUserOptions("jason").headers.size(), 1u);
  EXPECT_TRUE(EndUserOptions("").headers.empty());
}

TEST(ProductPageTest, PageRendersWhenBackendsFail) {
  FakeBackends backends;
  backends.details = absl::UnavailableError("down");
  backends.reviews = absl::DeadlineExceededError("slow");
  ProductPage page(backends);
  meshup::HttpResponse response = page.Page(Request("GET", "/productpage"));
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(kDetailsUnavailable));
  EXPECT_THAT(response.body, HasSubstr(kReviewsUnavailable));
}

TEST(ProductPageTest, Api) {
  FakeBackends backends;
  ProductPage page(backends);
  meshup::HttpResponse response = page.Product(Request("GET", "/api/v1/products/0/reviews"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body)["version"], "v2");
  EXPECT_EQ(page.Product(Request("GET", "/api/v1/products/0")).status, 200);
  EXPECT_EQ(page.Product(Request("GET", "/api/v1/products/0/ratings")).status, 200);
  EXPECT_EQ(page.Product(Request("GET", "/api/v1/products/5")).status, 404);
  EXPECT_EQ(page.Product(Request("GET", "/api/v1/products/x")).status, 404);
  EXPECT_EQ(page.Product(Request("GET", "/api/v1/products/0/other")).status, 404);
  EXPECT_EQ(page.Products(Request("GET", "/api/v1/products")).status, 200);
  backends.reviews = absl::UnavailableError("down");
  response = page.Product(Request("GET", "/api/v1/products/0/reviews"));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(nlohmann::json::parse(response.body)["error"], kReviewsUnavailable);
  EXPECT_EQ(page.Health(Request("GET", "/health")).status, 200);
  EXPECT_THAT(page.Index(Request("GET", "/")).body, HasSubstr("href=\"/productpage\""));
}

}  // namespace
}  // namespace bookinfo
