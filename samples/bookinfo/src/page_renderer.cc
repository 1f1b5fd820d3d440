#include "page_renderer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "book.h"
#include "html.h"

namespace bookinfo {
namespace {

constexpr char kStyle[] = R"(<style>
body { font-family: sans-serif; margin: 0; color: #222; }
nav { background: #333; color: #fff; padding: 0.6em 1.5em; display: flex;
      justify-content: space-between; align-items: center; }
nav a, nav button { color: #fff; }
nav form { display: inline; margin: 0; }
main { max-width: 60em; margin: 1.5em auto; padding: 0 1.5em; }
.columns { display: flex; gap: 3em; flex-wrap: wrap; }
.columns > section { flex: 1; min-width: 18em; }
dl.details dt { font-weight: bold; }
blockquote { margin: 0 0 1.2em 0; padding-left: 1em; border-left: 3px solid #ccc; }
.stars { font-size: 1.3em; }
.unavailable { color: #a00; }
.served-by { color: #666; font-size: 0.9em; }
</style>
)";

std::string Navigation(const std::string& user) {
  std::string html = "<nav><a href=\"/\">BookInfo Sample</a><div>";
  if (user.empty()) {
    absl::StrAppend(&html,
                    "<form method=\"post\" action=\"/login\">"
                    "<label>User <input type=\"text\" name=\"username\" required></label> "
                    "<label>Password <input type=\"password\" name=\"passwd\"></label> "
                    "<button type=\"submit\">Sign in</button></form>");
  } else {
    absl::StrAppend(&html, "<span class=\"user\">Signed in as <b>", HtmlEscape(user),
                    "</b></span> <form method=\"post\" action=\"/logout\">"
                    "<button type=\"submit\">Sign out</button></form>");
  }
  absl::StrAppend(&html, "</div></nav>\n");
  return html;
}

std::string DetailsSection(const absl::StatusOr<Details>& details) {
  std::string html = "<section class=\"details\"><h2>Book Details</h2>\n";
  if (!details.ok()) {
    absl::StrAppend(&html, "<p class=\"unavailable\">", HtmlEscape(kDetailsUnavailable),
                    "</p>\n</section>\n");
    return html;
  }
  auto row = [&](absl::string_view name, const std::string& value) {
    absl::StrAppend(&html, "<dt>", HtmlEscape(name), "</dt><dd>", HtmlEscape(value), "</dd>\n");
  };
  absl::StrAppend(&html, "<dl class=\"details\">\n");
  row("Author", details->author());
  row("Year", absl::StrCat(details->year()));
  row("Type", details->type());
  row("Pages", absl::StrCat(details->pages()));
  row("Publisher", details->publisher());
  row("Language", details->language());
  row("ISBN-10", details->isbn_10());
  row("ISBN-13", details->isbn_13());
  absl::StrAppend(&html, "</dl>\n</section>\n");
  return html;
}

std::string Stars(const Rating& rating) {
  if (!rating.error().empty()) {
    return absl::StrCat("<p class=\"unavailable\">", HtmlEscape(rating.error()), "</p>");
  }
  const int stars = std::clamp(rating.stars(), 0, 5);
  if (stars == 0) return "";
  std::string glyphs;
  for (int i = 0; i < 5; ++i) glyphs += i < stars ? "\u2605" : "\u2606";  // ★ ☆
  return absl::StrCat("<p class=\"stars\" style=\"color: ", HtmlEscape(rating.color()),
                      "\" title=\"", stars, " of 5 stars\">", glyphs, "</p>");
}

std::string ReviewsSection(const absl::StatusOr<ProductReviews>& reviews) {
  std::string html = "<section class=\"reviews\"><h2>Book Reviews</h2>\n";
  if (!reviews.ok()) {
    absl::StrAppend(&html, "<p class=\"unavailable\">", HtmlEscape(kReviewsUnavailable),
                    "</p>\n</section>\n");
    return html;
  }
  for (const Review& review : reviews->reviews()) {
    absl::StrAppend(&html, "<blockquote><p>", HtmlEscape(review.text()), "</p><footer>",
                    HtmlEscape(review.reviewer()), "</footer>");
    if (review.has_rating()) absl::StrAppend(&html, Stars(review.rating()));
    absl::StrAppend(&html, "</blockquote>\n");
  }
  absl::StrAppend(&html, "<p class=\"served-by\">Reviews served by: <b>",
                  HtmlEscape(absl::StrCat("reviews-", reviews->version())), "</b>");
  if (!reviews->podname().empty()) {
    absl::StrAppend(&html, " (", HtmlEscape(reviews->podname()), ")");
  }
  absl::StrAppend(&html, "</p>\n</section>\n");
  return html;
}

std::string Document(absl::string_view title, absl::string_view body) {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                      "<title>", HtmlEscape(title), "</title>\n", kStyle, "</head>\n<body>\n", body,
                      "</body>\n</html>\n");
}

}  // namespace

std::string RenderProductPage(const ProductPageModel& model) {
  return Document(
      absl::StrCat("Simple Bookstore App: ", kTitle),
      absl::StrCat(Navigation(model.user), "<main>\n<h1>", HtmlEscape(kTitle), "</h1>\n<p>",
                   SummaryHtml(), "</p>\n<div class=\"columns\">\n", DetailsSection(model.details),
                   ReviewsSection(model.reviews), "</div>\n</main>\n"));
}

std::string RenderIndex() {
  return Document(
      "Simple Bookstore App",
      absl::StrCat(Navigation(""), "<main>\n<h1>Simple Bookstore App</h1>\n",
                   "<p>Bookinfo on MeshUp: a product page backed by the details, reviews and "
                   "ratings services, all calling each other through the embedded mesh.</p>\n",
                   "<p><a href=\"/productpage\">Open the product page</a></p>\n",
                   "<p>API: <a href=\"/api/v1/products\">/api/v1/products</a>, "
                   "<a href=\"/api/v1/products/0\">/api/v1/products/0</a>, "
                   "<a href=\"/api/v1/products/0/reviews\">/api/v1/products/0/reviews</a>, "
                   "<a href=\"/api/v1/products/0/ratings\">/api/v1/products/0/ratings</a></p>\n",
                   "</main>\n"));
}

}  // namespace bookinfo
