#include "mesh_backends.h"

#include <utility>

namespace bookinfo {

meshup::CallOptions EndUserOptions(const std::string& end_user) {
  meshup::CallOptions options;
  bool printable = !end_user.empty();
  for (const char c : end_user) printable = printable && c >= 0x20 && c <= 0x7e;
  if (printable) options.headers.emplace_back("end-user", end_user);
  return options;
}

absl::StatusOr<std::unique_ptr<MeshBackends>> MeshBackends::Create(meshup::Mesh& mesh) {
  absl::StatusOr<std::shared_ptr<meshup::Channel>> details = mesh.Connect("details");
  if (!details.ok()) return details.status();
  absl::StatusOr<std::shared_ptr<meshup::Channel>> reviews = mesh.Connect("reviews");
  if (!reviews.ok()) return reviews.status();
  absl::StatusOr<std::shared_ptr<meshup::Channel>> ratings = mesh.Connect("ratings");
  if (!ratings.ok()) return ratings.status();
  return std::unique_ptr<MeshBackends>(new MeshBackends(DetailsService::Client(*details),
                                                        ReviewsService::Client(*reviews),
                                                        RatingsService::Client(*ratings)));
}

absl::StatusOr<Details> MeshBackends::GetDetails(int product_id, const std::string& end_user) {
  GetDetailsRequest request;
  request.set_product_id(product_id);
  return details_.GetDetails(request, EndUserOptions(end_user));
}

absl::StatusOr<ProductReviews> MeshBackends::GetReviews(int product_id,
                                                        const std::string& end_user) {
  GetReviewsRequest request;
  request.set_product_id(product_id);
  absl::StatusOr<ProductReviews> reviews;
  for (int attempt = 0; attempt < kReviewsAttempts; ++attempt) {
    reviews = reviews_.GetReviews(request, EndUserOptions(end_user));
    if (reviews.ok() || reviews.status().code() == absl::StatusCode::kNotFound) break;
  }
  return reviews;
}

absl::StatusOr<Ratings> MeshBackends::GetRatings(int product_id, const std::string& end_user) {
  GetRatingsRequest request;
  request.set_product_id(product_id);
  return ratings_.GetRatings(request, EndUserOptions(end_user));
}

}  // namespace bookinfo
