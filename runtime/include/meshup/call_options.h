// Per-call options of a generated client's methods.
//
// Every generated client method takes a `const CallOptions&` that defaults to
// none. The effective deadline of a call is the earliest of the IDL's method
// timeout (or the route's, once configured) and `timeout` here.
#ifndef MESHUP_CALL_OPTIONS_H_
#define MESHUP_CALL_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace meshup {

struct CallOptions {
  // The caller's own deadline for the whole call, retries included.
  absl::Duration timeout = absl::InfiniteDuration();
  // Request headers (gRPC metadata) to send, e.g. {"end-user", "jason"}.
  // Names are lowercase letters, digits, '-', '_' and '.', not "grpc-...";
  // values printable ASCII unless the name ends in "-bin". A call with a bad
  // header fails with INVALID_ARGUMENT before anything is sent.
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace meshup

#endif  // MESHUP_CALL_OPTIONS_H_
