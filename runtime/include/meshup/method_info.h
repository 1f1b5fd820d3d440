// Static descriptions of services and methods, as declared in the IDL.
//
// protoc-gen-meshup emits one constant ServiceInfo per service and one
// MethodInfo per method; the runtime reads them to apply the IDL's defaults
// (timeout, retries, idempotency) when no runtime configuration overrides
// them. All fields are plain data that outlive the program (string literals,
// static arrays), so a MethodInfo can be passed and stored by reference.
#ifndef MESHUP_METHOD_INFO_H_
#define MESHUP_METHOD_INFO_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace meshup {

// The four gRPC call shapes.
enum class RpcKind {
  kUnary,
  kServerStreaming,
  kClientStreaming,
  kBidiStreaming,
};

// Returns "unary", "server_streaming", "client_streaming" or "bidi_streaming".
absl::string_view RpcKindName(RpcKind kind);

// The retry policy of a method. `attempts` counts every try, the first
// included: 0 and 1 both mean no retry.
struct RetryPolicy {
  int attempts = 0;
  // Zero: each attempt may use what is left of the call's deadline.
  absl::Duration per_try_timeout = absl::ZeroDuration();
  absl::Span<const absl::StatusCode> retry_on;
};

struct MethodInfo {
  // The method's name in the IDL, e.g. "GetReviews".
  absl::string_view name;
  // The gRPC path, "/<package>.<Service>/<Method>".
  absl::string_view path;
  RpcKind kind = RpcKind::kUnary;
  // The IDL's default deadline; absl::InfiniteDuration() when it declares none.
  absl::Duration timeout = absl::InfiniteDuration();
  RetryPolicy retry;
  bool idempotent = false;
  // The IDL declares the (unary) handler non-blocking: the server runs it on
  // gRPC's callback threads instead of its handler threads.
  bool non_blocking = false;
  // The mesh name of the method's service (its host) and the service
  // account the IDL declares for it (the mesh name when it declares none).
  // Secure naming: a call to that host goes only to endpoints that discovery
  // lists with that service account (see docs/security.md). Empty: no check.
  absl::string_view mesh_name;
  absl::string_view service_account;
};

struct ServiceInfo {
  // The fully qualified Protobuf name, e.g. "bookinfo.Reviews".
  absl::string_view full_name;
  // The service's name in the mesh: the `app` label and the routing host.
  absl::string_view mesh_name;
  // The declared port; 0 lets the server pick one.
  uint32_t port = 0;
  absl::string_view service_account;
  absl::Span<const MethodInfo> methods;
  // The IDL's allowed_callers: service accounts ("bookinfo-productpage", of
  // the server's namespace) or "<namespace>/<service account>". Empty:
  // anyone. Servers enforce it as an ALLOW AuthorizationPolicy of their
  // workload, beside the configuration's (docs/security.md).
  absl::Span<const absl::string_view> allowed_callers;

  // Returns the method with that gRPC path, or nullptr.
  const MethodInfo* FindMethod(absl::string_view path) const;
};

}  // namespace meshup

#endif  // MESHUP_METHOD_INFO_H_
