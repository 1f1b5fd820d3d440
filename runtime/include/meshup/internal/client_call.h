// The untyped entry points of the client call pipeline.
//
// Generated clients call these; user code calls the generated clients. A
// call's deadline is the route's timeout, else the method's IDL timeout,
// shortened by the caller's CallOptions::timeout. Failed attempts are retried
// as the route's retries, else the method's RetryPolicy, say, within that
// deadline: those of idempotent methods, and those whose request surely
// never left (a connection that failed) whatever the method.
#ifndef MESHUP_INTERNAL_CLIENT_CALL_H_
#define MESHUP_INTERNAL_CLIENT_CALL_H_

#include <functional>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "meshup/call_options.h"
#include "meshup/channel.h"
#include "meshup/method_info.h"

namespace meshup::internal {

// Blocks until the call ends; fills `response` when the status is OK.
absl::Status UnaryCall(Channel& channel, const MethodInfo& method, const CallOptions& options,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response);

// Returns at once; `done` runs exactly once, on a runtime thread, when the call
// ends. `response` must stay alive until then. `request` is copied.
void UnaryCallAsync(Channel& channel, const MethodInfo& method, const CallOptions& options,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    std::function<void(absl::Status)> done);

}  // namespace meshup::internal

#endif  // MESHUP_INTERNAL_CLIENT_CALL_H_
