// bookinfo_details: the details service. Settings: MESHUP_* (see README.md).
#include "details_service.h"
#include "workload.h"

int main() {
  return bookinfo::RunGrpcWorkload(
      "bookinfo_details", "details",
      [](meshup::Mesh&) -> absl::StatusOr<std::unique_ptr<meshup::Service>> {
        return std::make_unique<bookinfo::DetailsServiceImpl>();
      });
}
