// The product page's JSON API bodies (nlohmann-json), with Istio
// productpage's field names: /api/v1/products, /api/v1/products/<id>
// (details), .../reviews (with `version`: v1, v2 or v3) and .../ratings.
// Failures answer {"error": "<text>"}. Never throws: text that is not UTF-8
// is replaced, not refused.
#ifndef BOOKINFO_PRODUCT_API_H_
#define BOOKINFO_PRODUCT_API_H_

#include <string>

#include "absl/strings/string_view.h"
#include "bookinfo/details.pb.h"
#include "bookinfo/ratings.pb.h"
#include "bookinfo/reviews.pb.h"

namespace bookinfo {

std::string ProductsJson();
std::string DetailsJson(const Details& details);
std::string ReviewsJson(const ProductReviews& reviews);
std::string RatingsJson(const Ratings& ratings);
std::string ErrorJson(absl::string_view message);

}  // namespace bookinfo

#endif  // BOOKINFO_PRODUCT_API_H_
