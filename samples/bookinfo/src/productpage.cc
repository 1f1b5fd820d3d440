#include "productpage.h"

#include <cstddef>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "page_renderer.h"
#include "product_api.h"

namespace bookinfo {
namespace {

using meshup::HttpRequest;
using meshup::HttpResponse;

constexpr char kCookie[] = "user";
// Longer names are refused: the name goes back in a cookie (percent-encoded,
// up to three times as long) and to every backend call.
constexpr size_t kMaxUsernameBytes = 256;
constexpr char kProductsPrefix[] = "/api/v1/products/";

// A backend failure as the API answers it: 404 for an unknown product, 503
// for anything else.
HttpResponse ApiError(const absl::Status& status, absl::string_view unavailable) {
  if (status.code() == absl::StatusCode::kNotFound) {
    return HttpResponse::Json(404, ErrorJson("product not found"));
  }
  return HttpResponse::Json(503, ErrorJson(unavailable));
}

}  // namespace

void ProductPage::Register(meshup::HttpServer& server) {
  auto bind = [this](HttpResponse (ProductPage::*handler)(const HttpRequest&) const) {
    return [this, handler](const HttpRequest& request) { return (this->*handler)(request); };
  };
  server.Handle("/", bind(&ProductPage::Index), {"GET"});
  server.Handle("/index.html", bind(&ProductPage::Index), {"GET"});
  server.Handle("/productpage", bind(&ProductPage::Page), {"GET"});
  server.Handle("/login", bind(&ProductPage::Login), {"POST"});
  server.Handle("/logout", bind(&ProductPage::Logout), {"GET", "POST"});
  server.Handle("/health", bind(&ProductPage::Health), {"GET"});
  server.Handle("/api/v1/products", bind(&ProductPage::Products), {"GET"});
  server.HandlePrefix(kProductsPrefix, bind(&ProductPage::Product), {"GET"});
}

std::string ProductPage::User(const HttpRequest& request) {
  meshup::HttpParams cookies = request.Cookies();
  auto it = cookies.find(kCookie);
  return it == cookies.end() ? std::string() : meshup::UrlDecode(it->second, false);
}

HttpResponse ProductPage::Index(const HttpRequest&) const {
  return HttpResponse::Html(200, RenderIndex());
}

HttpResponse ProductPage::Page(const HttpRequest& request) const {
  ProductPageModel model;
  model.user = User(request);
  model.details = backends_.GetDetails(0, model.user);
  model.reviews = backends_.GetReviews(0, model.user);
  HttpResponse response = HttpResponse::Html(200, RenderProductPage(model));
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

HttpResponse ProductPage::Login(const HttpRequest& request) const {
  meshup::HttpParams form = request.FormParams();
  auto username = form.find("username");
  if (username != form.end() && username->second.size() > kMaxUsernameBytes) {
    return HttpResponse::Text(
        400, absl::StrCat("login: username is ", username->second.size(), " bytes long; at most ",
                          kMaxUsernameBytes, " are allowed\n"));
  }
  HttpResponse response = HttpResponse::Redirect("/productpage");
  if (username != form.end() && !username->second.empty()) {
    // The password is read and ignored, as in Istio's sample.
    response.headers.Add("Set-Cookie", std::string(kCookie) + "=" +
                                           meshup::UrlEncode(username->second) +
                                           "; Path=/; HttpOnly; SameSite=Lax");
  }
  return response;
}

HttpResponse ProductPage::Logout(const HttpRequest&) const {
  HttpResponse response = HttpResponse::Redirect("/productpage");
  response.headers.Add("Set-Cookie",
                       std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  return response;
}

HttpResponse ProductPage::Health(const HttpRequest&) const {
  return HttpResponse::Text(200, "Product page is healthy\n");
}

HttpResponse ProductPage::Products(const HttpRequest&) const {
  return HttpResponse::Json(200, ProductsJson());
}

HttpResponse ProductPage::Product(const HttpRequest& request) const {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripPrefix(request.path, kProductsPrefix), '/');
  int id = 0;
  if (parts.empty() || parts.size() > 2 || !absl::SimpleAtoi(parts[0], &id) || id < 0) {
    return HttpResponse::Json(404, ErrorJson("no such resource"));
  }
  const std::string user = User(request);
  if (parts.size() == 1) {
    absl::StatusOr<Details> details = backends_.GetDetails(id, user);
    if (!details.ok()) return ApiError(details.status(), kDetailsUnavailable);
    return HttpResponse::Json(200, DetailsJson(*details));
  }
  if (parts[1] == "reviews") {
    absl::StatusOr<ProductReviews> reviews = backends_.GetReviews(id, user);
    if (!reviews.ok()) return ApiError(reviews.status(), kReviewsUnavailable);
    return HttpResponse::Json(200, ReviewsJson(*reviews));
  }
  if (parts[1] == "ratings") {
    absl::StatusOr<Ratings> ratings = backends_.GetRatings(id, user);
    if (!ratings.ok()) {
      return ApiError(ratings.status(),
                      "Sorry, product ratings are currently unavailable for this book.");
    }
    return HttpResponse::Json(200, RatingsJson(*ratings));
  }
  return HttpResponse::Json(404, ErrorJson("no such resource"));
}

}  // namespace bookinfo
