// Conversions between gRPC's and Abseil's status types. Both use the same
// canonical codes with the same numbers.
#ifndef MESHUP_SRC_GRPC_ADAPTER_STATUS_H_
#define MESHUP_SRC_GRPC_ADAPTER_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace meshup::internal {

inline absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_STATUS_H_
