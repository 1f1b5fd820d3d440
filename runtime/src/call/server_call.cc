// The server side of a call: the wrapper around every generated handler.
#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "call/grpc_status.h"
#include "names.h"
#include "meshup/internal/grpc_service.h"
#include "meshup/server_context.h"

namespace meshup {

ServerContext::ServerContext(grpc::ServerContext& grpc_context, const MethodInfo& method)
    : grpc_(grpc_context), method_(method) {}

std::string ServerContext::peer() const { return grpc_.peer(); }

std::optional<absl::string_view> ServerContext::header(absl::string_view name) const {
  const auto& metadata = grpc_.client_metadata();
  auto it = metadata.find(grpc::string_ref(name.data(), name.size()));
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

absl::Time ServerContext::deadline() const {
  std::chrono::system_clock::time_point deadline = grpc_.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

bool ServerContext::IsCancelled() const { return grpc_.IsCancelled(); }

absl::Status ServerContext::AddResponseHeader(const std::string& name, const std::string& value) {
  absl::Status valid = internal::ValidateHeader(name, value);
  if (!valid.ok()) return valid;
  grpc_.AddInitialMetadata(name, value);
  return absl::OkStatus();
}

namespace internal {

grpc::Status RunServerCall(Service& /*service*/, const MethodInfo& method,
                           grpc::ServerContext& grpc_context,
                           absl::FunctionRef<absl::Status(ServerContext&)> handler) {
  ServerContext context(grpc_context, method);
  absl::Status status;
  // A handler that throws must not take the server down: its caller gets
  // INTERNAL, and the exception stops here.
  try {
    status = handler(context);
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("handler of ", method.path, " threw: ", e.what()));
  } catch (...) {
    status = absl::InternalError(absl::StrCat("handler of ", method.path, " threw"));
  }
  return ToGrpcStatus(status);
}

}  // namespace internal
}  // namespace meshup
