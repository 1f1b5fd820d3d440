#include "filters/authorization_filter.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/strip.h"
#include "security/authorizer.h"
#include "security/spiffe_id.h"

namespace meshup::internal {
namespace {

// OK when the configuration's AuthorizationPolicy and the service's
// declared one allow the call.
absl::Status Authorize(ServerRuntime& runtime, const Service& service, const ServerContext& context,
                       grpc::ServerContextBase& grpc_context) {
  if (runtime.config == nullptr || &context.method() == runtime.authorization_exempt) {
    return absl::OkStatus();
  }
  std::shared_ptr<const config::Snapshot> snapshot = runtime.config->Current();
  auto declared = runtime.declared_policies.find(&service);
  const bool has_declared = declared != runtime.declared_policies.end();
  if (snapshot->authorization_policies.empty() && !has_declared) return absl::OkStatus();
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
      internal::Authorize(*snapshot, runtime.labels, runtime.namespace_name, request,
                          has_declared ? absl::MakeConstSpan(&declared->second, 1)
                                       : absl::Span<const config::AuthorizationPolicy>());
  if (decision.allowed) return absl::OkStatus();
  if (runtime.denied != nullptr) runtime.denied->fetch_add(1, std::memory_order_relaxed);
  return absl::PermissionDeniedError("RBAC: access denied");
}

}  // namespace

absl::Status AuthorizationFilter::Handle(ServerCall& call, const ServerFilterChain& next) const {
  if (call.runtime != nullptr) {
    absl::Status allowed = Authorize(*call.runtime, call.service, call.context, call.grpc_context);
    if (!allowed.ok()) {
      call.answered_by_mesh = true;
      return allowed;
    }
  }
  return next.Next(call);
}

}  // namespace meshup::internal
