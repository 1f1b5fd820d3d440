#include "product_api.h"

#include "book.h"
#include "nlohmann/json.hpp"

namespace bookinfo {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string ProductsJson() {
  Json products = Json::array();
  products.push_back({{"id", kProductId}, {"title", kTitle}, {"descriptionHtml", SummaryHtml()}});
  return Dump(products);
}

std::string DetailsJson(const Details& details) {
  return Dump({{"id", details.id()},
               {"author", details.author()},
               {"year", details.year()},
               {"type", details.type()},
               {"pages", details.pages()},
               {"publisher", details.publisher()},
               {"language", details.language()},
               {"ISBN-10", details.isbn_10()},
               {"ISBN-13", details.isbn_13()}});
}

std::string ReviewsJson(const ProductReviews& reviews) {
  Json list = Json::array();
  for (const Review& review : reviews.reviews()) {
    Json entry = {{"reviewer", review.reviewer()}, {"text", review.text()}};
    if (review.has_rating()) {
      const Rating& rating = review.rating();
      entry["rating"] = rating.error().empty()
                            ? Json{{"stars", rating.stars()}, {"color", rating.color()}}
                            : Json{{"error", rating.error()}};
    }
    list.push_back(std::move(entry));
  }
  return Dump({{"id", reviews.id()},
               {"version", reviews.version()},
               {"podname", reviews.podname()},
               {"reviews", std::move(list)}});
}

std::string RatingsJson(const Ratings& ratings) {
  Json stars = Json::object();
  for (const auto& [reviewer, count] : ratings.ratings()) stars[reviewer] = count;
  return Dump({{"id", ratings.id()}, {"ratings", std::move(stars)}});
}

std::string ErrorJson(absl::string_view message) { return Dump({{"error", std::string(message)}}); }

}  // namespace bookinfo
