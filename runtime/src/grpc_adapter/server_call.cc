// The server side of a call: the wrapper around every generated handler,
// which runs the server filter chain (filters/server_filter.h) around it.
#include "grpc_adapter/server_call.h"

#include <exception>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "filters/server_filter.h"
#include "grpc/grpc_security.h"
#include "grpc_adapter/handover.h"
#include "grpc_adapter/status.h"
#include "meshup/internal/grpc_service.h"
#include "meshup/server_context.h"
#include "names.h"
#include "service_access.h"

namespace meshup {

ServerContext::ServerContext(grpc::ServerContextBase& grpc_context, const MethodInfo& method)
    : grpc_(grpc_context), method_(method) {
  // Set by gRPC's TLS stack from the verified client certificate's SPIFFE ID.
  // Read through gRPC's C API: grpc::ServerContext::auth_context() would
  // allocate a wrapper and a vector on every call.
  grpc_auth_context* auth = grpc_call_auth_context(grpc_.c_call());
  if (auth != nullptr) {
    grpc_auth_property_iterator it =
        grpc_auth_context_find_properties_by_name(auth, "peer_spiffe_id");
    while (const grpc_auth_property* property = grpc_auth_property_iterator_next(&it)) {
      peer_identity_.assign(property->value, property->value_length);
    }
    grpc_auth_context_release(auth);
  }
}

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

grpc::Status RunServerCall(Service& service, const MethodInfo& method,
                           grpc::ServerContextBase& grpc_context,
                           absl::FunctionRef<absl::Status(ServerContext&)> handler,
                           const google::protobuf::Message* request,
                           const google::protobuf::Message* response,
                           const StreamedBytes* streamed) {
  ServerContext context(grpc_context, method);
  ServerCall call{service, method,   context, grpc_context, ServiceAccess::Runtime(service),
                  request, response, streamed};
  // A handler that throws must not take the server down: its caller gets
  // INTERNAL, and the exception stops here.
  auto guarded = [&handler, &method](ServerContext& handler_context) -> absl::Status {
    try {
      return handler(handler_context);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("handler of ", method.path, " threw: ", e.what()));
    } catch (...) {
      return absl::InternalError(absl::StrCat("handler of ", method.path, " threw"));
    }
  };
  const absl::Status status = ServerFilterChain(DefaultServerFilters(), guarded).Next(call);
  // To whoever stops the server: once gRPC's Shutdown() or Wait() returns,
  // the service is theirs to destroy.
  HandOffToGrpc(&service);
  return ToGrpcStatus(status);
}

void ServiceBackFromGrpc(const Service& service) { TakeOverFromGrpc(&service); }

}  // namespace internal
}  // namespace meshup
