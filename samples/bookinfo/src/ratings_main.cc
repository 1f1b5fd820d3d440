// bookinfo_ratings: the ratings service. Settings: MESHUP_* (see README.md).
#include "ratings_service.h"
#include "workload.h"

int main() {
  return bookinfo::RunGrpcWorkload(
      "bookinfo_ratings", "ratings",
      [](meshup::Mesh&) -> absl::StatusOr<std::unique_ptr<meshup::Service>> {
        return std::make_unique<bookinfo::RatingsServiceImpl>();
      });
}
