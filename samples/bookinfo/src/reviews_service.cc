#include "reviews_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "book.h"

namespace bookinfo {

absl::StatusOr<std::unique_ptr<ReviewsServiceImpl>> ReviewsServiceImpl::Create(
    std::string version, std::string podname, RatingsFetcher ratings) {
  std::string color;
  if (version == "v2") {
    color = "black";
  } else if (version == "v3") {
    color = "red";
  } else if (version != "v1") {
    return absl::InvalidArgumentError(
        absl::StrCat("reviews version \"", version, "\" is not v1, v2 or v3"));
  }
  return std::unique_ptr<ReviewsServiceImpl>(new ReviewsServiceImpl(
      std::move(version), std::move(podname), std::move(color), std::move(ratings)));
}

absl::Status ReviewsServiceImpl::GetReviews(meshup::ServerContext& context,
                                            const GetReviewsRequest& request,
                                            ProductReviews& reviews) {
  std::optional<absl::string_view> end_user = context.header("end-user");
  absl::StatusOr<ProductReviews> answer =
      Reviews(request.product_id(), end_user ? std::string(*end_user) : std::string());
  if (!answer.ok()) return answer.status();
  reviews = *std::move(answer);
  return absl::OkStatus();
}

absl::StatusOr<ProductReviews> ReviewsServiceImpl::Reviews(int product_id,
                                                           const std::string& end_user) const {
  if (product_id != kProductId) return absl::NotFoundError(absl::StrCat("no product ", product_id));
  ProductReviews reviews;
  reviews.set_id(product_id);
  reviews.set_version(version_);
  reviews.set_podname(podname_);
  absl::StatusOr<Ratings> ratings = absl::UnavailableError("not called");
  if (!color_.empty()) {
    GetRatingsRequest request;
    request.set_product_id(product_id);
    meshup::CallOptions options;
    if (!end_user.empty()) options.headers.emplace_back("end-user", end_user);
    ratings = ratings_(request, options);
  }
  for (const ReviewText& text : BookReviews()) {
    Review* review = reviews.add_reviews();
    review->set_reviewer(text.reviewer);
    review->set_text(text.text);
    if (color_.empty()) continue;  // v1
    if (!ratings.ok()) {
      review->mutable_rating()->set_error(kRatingsUnavailable);
      continue;
    }
    auto stars = ratings->ratings().find(text.reviewer);
    if (stars == ratings->ratings().end()) continue;
    review->mutable_rating()->set_stars(stars->second);
    review->mutable_rating()->set_color(color_);
  }
  return reviews;
}

}  // namespace bookinfo
