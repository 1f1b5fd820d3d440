// Bookinfo's details service: the book's bibliographic details by product
// id; NOT_FOUND for any product but the one book. Thread-safe.
#ifndef BOOKINFO_DETAILS_SERVICE_H_
#define BOOKINFO_DETAILS_SERVICE_H_

#include "bookinfo/details.meshup.h"

namespace bookinfo {

class DetailsServiceImpl final : public DetailsService::Service {
 public:
  absl::Status GetDetails(meshup::ServerContext& context, const GetDetailsRequest& request,
                          Details& details) override;
};

}  // namespace bookinfo

#endif  // BOOKINFO_DETAILS_SERVICE_H_
