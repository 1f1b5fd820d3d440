// What a service handler knows about the call it is serving.
//
// The runtime makes one ServerContext per incoming call and passes it to the
// generated service's handler. It is valid only during the handler and is
// used by the handler's thread.
#ifndef MESHUP_SERVER_CONTEXT_H_
#define MESHUP_SERVER_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshup/method_info.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace meshup {

class ServerContext {
 public:
  ServerContext(grpc::ServerContextBase& grpc_context, const MethodInfo& method);
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  const MethodInfo& method() const { return method_; }
  // The caller's address, e.g. "ipv4:127.0.0.1:53412".
  std::string peer() const;
  // The caller's SPIFFE ID from its mTLS certificate; empty on a plaintext call.
  absl::string_view peer_identity() const { return peer_identity_; }
  // The first value of the request header `name` (lowercase), if present.
  std::optional<absl::string_view> header(absl::string_view name) const;
  // The call's deadline; absl::InfiniteFuture() when the caller set none.
  absl::Time deadline() const;
  // True once the caller cancelled or the deadline passed.
  bool IsCancelled() const;
  // Adds a header to the response's initial metadata. Call before the first
  // streamed response is written. InvalidArgument for a name or value gRPC
  // would refuse (see CallOptions::headers).
  absl::Status AddResponseHeader(const std::string& name, const std::string& value);

 private:
  grpc::ServerContextBase& grpc_;
  const MethodInfo& method_;
  std::string peer_identity_;
};

}  // namespace meshup

#endif  // MESHUP_SERVER_CONTEXT_H_
