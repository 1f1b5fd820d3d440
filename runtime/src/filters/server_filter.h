// The server filter chain: what every incoming call goes through before and
// after its handler, one concern per filter (as Envoy's HTTP filters and
// gRPC's server interceptors). RunServerCall() (grpc_adapter/server_call.cc) runs
// the chain of DefaultServerFilters() around the handler:
//
//   telemetry (span, trace context, metrics, access log)
//     -> authorization (AuthorizationPolicy, the IDL's allowed_callers)
//       -> the server's ServerInterceptors (ServerOptions::interceptors)
//         -> the handler
//
// A filter acts on the way in, calls the rest of the chain (or ends the call
// without it: then the mesh answered it, and it says so in the call), and
// acts on the way out. A filter whose part of the runtime is absent (no
// telemetry, no configuration) passes the call on untouched. Filters are
// stateless and shared by every call and thread.
#ifndef MESHUP_SRC_FILTERS_SERVER_FILTER_H_
#define MESHUP_SRC_FILTERS_SERVER_FILTER_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "meshup/internal/grpc_service.h"
#include "meshup/method_info.h"
#include "meshup/server_context.h"
#include "meshup/service.h"
#include "server_runtime.h"

namespace meshup::internal {

// One incoming call as the filters see it.
struct ServerCall {
  Service& service;
  const MethodInfo& method;
  ServerContext& context;
  grpc::ServerContextBase& grpc_context;
  ServerRuntime* runtime;  // null: a service added to no Mesh's server (tests)
  // What the call carries, for its byte counts: the unary request and
  // response (null for streams), and what streams moved.
  const google::protobuf::Message* request;
  const google::protobuf::Message* response;
  const StreamedBytes* streamed;
  // Set by the filter that ended the call before its handler ran.
  bool answered_by_mesh = false;
};

class ServerFilter;

// The rest of a chain, from one filter on, ending in the handler.
class ServerFilterChain {
 public:
  using Handler = absl::FunctionRef<absl::Status(ServerContext&)>;

  ServerFilterChain(absl::Span<const ServerFilter* const> filters, Handler handler)
      : filters_(filters), handler_(handler) {}

  // Runs the next filter, or the handler when none is left.
  absl::Status Next(ServerCall& call) const;

 private:
  absl::Span<const ServerFilter* const> filters_;
  Handler handler_;
};

class ServerFilter {
 public:
  virtual ~ServerFilter() = default;
  // Handles `call`; `next.Next(call)` runs the rest of the chain.
  virtual absl::Status Handle(ServerCall& call, const ServerFilterChain& next) const = 0;
};

// The filters every server call goes through, outermost first.
absl::Span<const ServerFilter* const> DefaultServerFilters();

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_SERVER_FILTER_H_
