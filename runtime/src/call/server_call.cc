// The server side of a call: the wrapper around every generated handler.
#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "call/grpc_status.h"
#include "meshup/internal/grpc_service.h"
#include "meshup/server_context.h"
#include "names.h"
#include "security/authorizer.h"
#include "security/spiffe_id.h"
#include "server_runtime.h"
#include "service_access.h"

namespace meshup {

ServerContext::ServerContext(grpc::ServerContext& grpc_context, const MethodInfo& method)
    : grpc_(grpc_context), method_(method) {
  // Set by gRPC's TLS stack from the verified client certificate's SPIFFE ID.
  std::shared_ptr<const grpc::AuthContext> auth = grpc_.auth_context();
  if (auth != nullptr) {
    for (const grpc::string_ref& value : auth->FindPropertyValues("peer_spiffe_id")) {
      peer_identity_.assign(value.data(), value.size());
    }
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

namespace {

// Applies the configuration's AuthorizationPolicy to the call; OK to go on.
absl::Status Authorize(ServerRuntime& runtime, const ServerContext& context,
                       grpc::ServerContext& grpc_context) {
  if (runtime.config == nullptr) return absl::OkStatus();
  std::shared_ptr<const config::Snapshot> snapshot = runtime.config->Current();
  if (snapshot->authorization_policies.empty()) return absl::OkStatus();
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : grpc_context.client_metadata()) {
    headers.emplace_back(std::string(name.data(), name.size()),
                         std::string(value.data(), value.size()));
  }
  absl::string_view principal = context.peer_identity();
  absl::ConsumePrefix(&principal, "spiffe://");
  AuthzRequest request;
  request.path = context.method().path;  // canonical: never the raw request line
  request.principal = principal;
  request.headers = headers;
  if (absl::StatusOr<SpiffeId> id = ParseSpiffeId(context.peer_identity()); id.ok()) {
    request.source_namespace = id->namespace_name;
  }
  AuthzDecision decision =
      internal::Authorize(*snapshot, runtime.labels, runtime.namespace_name, request);
  if (decision.allowed) return absl::OkStatus();
  runtime.denied.fetch_add(1, std::memory_order_relaxed);
  return absl::PermissionDeniedError("RBAC: access denied");
}

}  // namespace

grpc::Status RunServerCall(Service& service, const MethodInfo& method,
                           grpc::ServerContext& grpc_context,
                           absl::FunctionRef<absl::Status(ServerContext&)> handler) {
  ServerContext context(grpc_context, method);
  if (ServerRuntime* runtime = ServiceAccess::Runtime(service)) {
    absl::Status allowed = Authorize(*runtime, context, grpc_context);
    if (!allowed.ok()) return ToGrpcStatus(allowed);
  }
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
