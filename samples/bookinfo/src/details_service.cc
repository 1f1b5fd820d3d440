#include "details_service.h"

#include "absl/strings/str_cat.h"
#include "book.h"

namespace bookinfo {

absl::Status DetailsServiceImpl::GetDetails(meshup::ServerContext&,
                                            const GetDetailsRequest& request, Details& details) {
  if (request.product_id() != kProductId) {
    return absl::NotFoundError(absl::StrCat("no product ", request.product_id()));
  }
  details = BookDetails();
  return absl::OkStatus();
}

}  // namespace bookinfo
