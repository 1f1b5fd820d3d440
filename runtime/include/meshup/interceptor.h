// Interceptors: your own code on every call a Mesh's channels make and every
// call a Server serves, in the manner of gRPC's interceptors (a subset: they
// see a call's method, headers and result, not its messages). Register
// client interceptors in MeshOptions::client_interceptors and server
// interceptors in ServerOptions::interceptors.
//
// Where they run among the mesh's own filters (docs/architecture.md): on
// each side, yours are nearest to your code.
//
//   client: your code -> your ClientInterceptors -> telemetry -> fault
//           injection -> connection pool, endpoint, attempts and retries
//   server: telemetry -> authorization -> your ServerInterceptors -> handler
//
// So a client interceptor sees a call before the mesh routes it (headers it
// adds can match a VirtualService route; a traceparent it adds becomes the
// parent of the call's span), and a server interceptor sees only calls that
// AuthorizationPolicy allowed, including those of the standard services
// (gRPC health, reflection: check context.method().path to let a probe
// through). Interceptors are shared by every call and thread: they must be
// thread-safe, and must not block for long.
#ifndef MESHUP_INTERCEPTOR_H_
#define MESHUP_INTERCEPTOR_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"
#include "meshup/server_context.h"

namespace meshup {

// One outgoing call, as client interceptors see it. One object per call: the
// same one reaches OnStart() and OnEnd(), so its address can key per-call
// state.
struct ClientCallInfo {
  const MethodInfo& method;
  // The channel's target: a mesh service ("reviews") or "host:port".
  absl::string_view target;
  // The call's options. OnStart() may change them: add headers (checked as
  // the caller's are) or set the timeout, counted from `start`; the route's
  // timeout (else the IDL's) still bounds the call. Changes made in OnEnd()
  // have no effect.
  CallOptions& options;
  absl::Time start;  // when the call was made
};

class ClientInterceptor {
 public:
  virtual ~ClientInterceptor() = default;
  // Runs when the call is made, before it is routed, in the order the
  // interceptors were given. A non-OK status ends the call with that status
  // (an exception thrown: INTERNAL): the interceptors after this one are
  // skipped, no attempt is made and the mesh's telemetry does not see it, as
  // if your code had not made it.
  virtual absl::Status OnStart(ClientCallInfo& /*call*/) { return absl::OkStatus(); }
  // Runs once for every call whose OnStart() ran (also the one that refused
  // it), with the call's result, in the reverse order, on the thread that
  // ends the call: the caller's for a blocking call; a runtime thread for an
  // asynchronous one, before its callback; for a stream, the thread that
  // destroys it. An exception thrown here is dropped.
  virtual void OnEnd(const ClientCallInfo& /*call*/, const absl::Status& /*result*/) {}
};

class ServerInterceptor {
 public:
  virtual ~ServerInterceptor() = default;
  // Runs around one incoming call on the thread that serves it, in the order
  // the interceptors were given. `next()` runs the rest of the chain (the
  // interceptors after this one, then the handler) and returns its status.
  // Return that, change it, or answer the call without calling `next()`. An
  // exception thrown here ends the call with INTERNAL. `context` is the
  // handler's: the caller's identity and headers, and response headers to
  // add.
  virtual absl::Status Intercept(ServerContext& context,
                                 absl::FunctionRef<absl::Status()> next) = 0;
};

}  // namespace meshup

#endif  // MESHUP_INTERCEPTOR_H_
