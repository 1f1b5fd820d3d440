// bookinfo_reviews: the reviews service; MESHUP_VERSION (v1, v2 or v3)
// picks its behaviour. Settings: MESHUP_* (see README.md).
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "bookinfo/ratings.meshup.h"
#include "reviews_service.h"
#include "workload.h"

int main() {
  return bookinfo::RunGrpcWorkload(
      "bookinfo_reviews", "reviews",
      [](meshup::Mesh& mesh) -> absl::StatusOr<std::unique_ptr<meshup::Service>> {
        absl::StatusOr<std::shared_ptr<meshup::Channel>> channel = mesh.Connect("ratings");
        if (!channel.ok()) return channel.status();
        bookinfo::RatingsService::Client ratings(*channel);
        auto service = bookinfo::ReviewsServiceImpl::Create(
            mesh.options().version,
            absl::StrCat(mesh.options().service, "-", mesh.options().version, "-", getpid()),
            [ratings](const bookinfo::GetRatingsRequest& request,
                      const meshup::CallOptions& options) {
              return ratings.GetRatings(request, options);
            });
        if (!service.ok()) return service.status();
        return std::unique_ptr<meshup::Service>(*std::move(service));
      });
}
