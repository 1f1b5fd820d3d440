// Bookinfo's reviews service, in one of three versions:
//   v1  the reviews without ratings; never calls the ratings service;
//   v2  the reviews with each reviewer's stars, colored black;
//   v3  the same, colored red.
// v2 and v3 call the ratings service once per request, forwarding the
// caller's `end-user` header (so that routing rules on it apply to that
// call); when the call fails, every review carries kRatingsUnavailable
// instead of stars. NOT_FOUND for any product but the one book.
// Thread-safe.
#ifndef BOOKINFO_REVIEWS_SERVICE_H_
#define BOOKINFO_REVIEWS_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bookinfo/ratings.pb.h"
#include "bookinfo/reviews.meshup.h"
#include "meshup/call_options.h"

namespace bookinfo {

inline constexpr char kRatingsUnavailable[] = "Ratings service is currently unavailable";

// The ratings call: a generated RatingsService::Client in the binary, a fake
// in tests.
using RatingsFetcher =
    std::function<absl::StatusOr<Ratings>(const GetRatingsRequest&, const meshup::CallOptions&)>;

class ReviewsServiceImpl final : public ReviewsService::Service {
 public:
  // InvalidArgument for a version other than v1, v2, v3. `podname` names the
  // serving workload in answers.
  static absl::StatusOr<std::unique_ptr<ReviewsServiceImpl>> Create(std::string version,
                                                                    std::string podname,
                                                                    RatingsFetcher ratings);

  absl::Status GetReviews(meshup::ServerContext& context, const GetReviewsRequest& request,
                          ProductReviews& reviews) override;

  // The answer for `end_user` (empty: none); what GetReviews() serves.
  absl::StatusOr<ProductReviews> Reviews(int product_id, const std::string& end_user) const;

 private:
  ReviewsServiceImpl(std::string version, std::string podname, std::string color,
                     RatingsFetcher ratings)
      : version_(std::move(version)),
        podname_(std::move(podname)),
        color_(std::move(color)),
        ratings_(std::move(ratings)) {}

  const std::string version_;
  const std::string podname_;
  const std::string color_;  // empty: v1, no ratings
  const RatingsFetcher ratings_;
};

}  // namespace bookinfo

#endif  // BOOKINFO_REVIEWS_SERVICE_H_
