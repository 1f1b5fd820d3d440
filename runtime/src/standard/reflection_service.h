// gRPC server reflection (grpc.reflection.v1 and its older twin v1alpha, the
// same messages in another package) for one Server.
//
// It describes what the server serves and nothing else: list_services names
// the server's services, and the descriptors it hands out (by file name, by
// symbol, by extension) are those of the files that define those services
// and of the files they import. A request for anything else is answered
// with an error_response NOT_FOUND, as for a name no file defines. An
// import already sent on a stream is not sent on it again. Thread-safe.
#ifndef MESHUP_SRC_STANDARD_REFLECTION_SERVICE_H_
#define MESHUP_SRC_STANDARD_REFLECTION_SERVICE_H_

#include <set>
#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.meshup.h"
#include "grpc/reflection/v1alpha/reflection.meshup.h"

namespace meshup::internal {

// The files reflection may describe and the services it lists.
class ReflectionCatalog {
 public:
  // `services`: the full names of the services the server serves.
  explicit ReflectionCatalog(const std::vector<std::string>& services);

  const std::vector<std::string>& services() const { return services_; }
  // Whether reflection may hand out the file of that name.
  bool Describes(const std::string& file_name) const { return files_.count(file_name) > 0; }

 private:
  std::vector<std::string> services_;
  std::set<std::string> files_;
};

// `Api` is the generated namespace's ServerReflection with its messages (see
// reflection_service.cc for the two instances).
template <class Api>
class ReflectionService final : public Api::Service {
 public:
  explicit ReflectionService(const ReflectionCatalog& catalog) : catalog_(catalog) {}

  absl::Status ServerReflectionInfo(
      ServerContext& context,
      ServerReaderWriter<typename Api::Request, typename Api::Response>& stream) override;

 private:
  const ReflectionCatalog& catalog_;
};

struct ReflectionV1 {
  using Service = grpc::reflection::v1::ServerReflection::Service;
  using Request = grpc::reflection::v1::ServerReflectionRequest;
  using Response = grpc::reflection::v1::ServerReflectionResponse;
};
struct ReflectionV1Alpha {
  using Service = grpc::reflection::v1alpha::ServerReflection::Service;
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;
};

extern template class ReflectionService<ReflectionV1>;
extern template class ReflectionService<ReflectionV1Alpha>;

}  // namespace meshup::internal

#endif  // MESHUP_SRC_STANDARD_REFLECTION_SERVICE_H_
