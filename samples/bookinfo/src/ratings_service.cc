#include "ratings_service.h"

#include "absl/strings/str_cat.h"
#include "book.h"

namespace bookinfo {

absl::Status RatingsServiceImpl::GetRatings(meshup::ServerContext&,
                                            const GetRatingsRequest& request, Ratings& ratings) {
  if (request.product_id() != kProductId) {
    return absl::NotFoundError(absl::StrCat("no product ", request.product_id()));
  }
  ratings.set_id(kProductId);
  for (const auto& [reviewer, stars] : BookRatings())
    (*ratings.mutable_ratings())[reviewer] = stars;
  return absl::OkStatus();
}

}  // namespace bookinfo
