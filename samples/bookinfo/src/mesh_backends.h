// The product page's Backends over the mesh: generated clients on
// Mesh::Connect("details" / "reviews" / "ratings"), with the IDL's timeouts
// (or the routes'). Like Istio's productpage, the reviews call is tried
// twice before the page gives up on it. The logged-in user travels as the
// `end-user` header when it is printable ASCII. Thread-safe.
#ifndef BOOKINFO_MESH_BACKENDS_H_
#define BOOKINFO_MESH_BACKENDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bookinfo/details.meshup.h"
#include "bookinfo/ratings.meshup.h"
#include "bookinfo/reviews.meshup.h"
#include "meshup/mesh.h"
#include "productpage.h"

namespace bookinfo {

class MeshBackends final : public Backends {
 public:
  // `mesh` must outlive the backends.
  static absl::StatusOr<std::unique_ptr<MeshBackends>> Create(meshup::Mesh& mesh);

  absl::StatusOr<Details> GetDetails(int product_id, const std::string& end_user) override;
  absl::StatusOr<ProductReviews> GetReviews(int product_id, const std::string& end_user) override;
  absl::StatusOr<Ratings> GetRatings(int product_id, const std::string& end_user) override;

  // How many times the reviews call is tried.
  static constexpr int kReviewsAttempts = 2;

 private:
  MeshBackends(DetailsService::Client details, ReviewsService::Client reviews,
               RatingsService::Client ratings)
      : details_(std::move(details)), reviews_(std::move(reviews)), ratings_(std::move(ratings)) {}

  DetailsService::Client details_;
  ReviewsService::Client reviews_;
  RatingsService::Client ratings_;
};

// Call options carrying `end_user` as the end-user header (none when empty
// or not printable ASCII).
meshup::CallOptions EndUserOptions(const std::string& end_user);

}  // namespace bookinfo

#endif  // BOOKINFO_MESH_BACKENDS_H_
