// Bookinfo's ratings service: the stars each reviewer gave the book;
// NOT_FOUND for any product but the one book. Thread-safe.
#ifndef BOOKINFO_RATINGS_SERVICE_H_
#define BOOKINFO_RATINGS_SERVICE_H_

#include "bookinfo/ratings.meshup.h"

namespace bookinfo {

class RatingsServiceImpl final : public RatingsService::Service {
 public:
  absl::Status GetRatings(meshup::ServerContext& context, const GetRatingsRequest& request,
                          Ratings& ratings) override;
};

}  // namespace bookinfo

#endif  // BOOKINFO_RATINGS_SERVICE_H_
