// Validation of the names the mesh uses: Kubernetes labels, host:port targets.
#ifndef MESHUP_SRC_NAMES_H_
#define MESHUP_SRC_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshup::internal {

// A DNS-1123 label: 1 to 63 of [a-z0-9-], starting and ending alphanumeric.
bool IsDns1123Label(absl::string_view name);

// A Kubernetes label value: at most 63 of [A-Za-z0-9._-], starting and ending
// alphanumeric; empty is allowed.
bool IsLabelValue(absl::string_view value);

// "host:port" with a non-empty host (a name, IPv4, or IPv6 in brackets) and a
// port from 1 to 65535. The error names the target and what is wrong.
absl::Status ValidateHostPort(absl::string_view target);

// A request or response header gRPC accepts: a lowercase name of
// [0-9a-z-_.], not starting with ':' or "grpc-" (reserved); a value of
// printable ASCII, or any bytes when the name ends in "-bin".
absl::Status ValidateHeader(absl::string_view name, absl::string_view value);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_NAMES_H_
