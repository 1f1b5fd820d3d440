// The product page's HTML, from what the backends answered: the book's
// title and summary, its details (or kDetailsUnavailable), its reviews with
// stars in the reviews version's color and the serving version
// ("Reviews served by: reviews-v2"), or kReviewsUnavailable, and a login
// form or the logged-in user's name. Every inserted value is HTML-escaped
// (html.h); the summary is the book's own HTML. Pure functions.
#ifndef BOOKINFO_PAGE_RENDERER_H_
#define BOOKINFO_PAGE_RENDERER_H_

#include <string>

#include "absl/status/statusor.h"
#include "bookinfo/details.pb.h"
#include "bookinfo/reviews.pb.h"

namespace bookinfo {

inline constexpr char kDetailsUnavailable[] =
    "Sorry, product details are currently unavailable for this book.";
inline constexpr char kReviewsUnavailable[] =
    "Sorry, product reviews are currently unavailable for this book.";

struct ProductPageModel {
  std::string user;  // empty: nobody logged in
  absl::StatusOr<Details> details = absl::UnknownError("not fetched");
  absl::StatusOr<ProductReviews> reviews = absl::UnknownError("not fetched");
};

std::string RenderProductPage(const ProductPageModel& model);
// The page at "/": what bookinfo is, and links to the page and the API.
std::string RenderIndex();

}  // namespace bookinfo

#endif  // BOOKINFO_PAGE_RENDERER_H_
