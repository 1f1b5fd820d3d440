// libFuzzer target: any bytes as a peer certificate's URI SAN, through the
// SPIFFE ID parser. Besides never crashing, an identity has exactly one
// spelling: whatever parses prints back byte for byte (so no second spelling
// of a workload's ID, with case, dots, slashes or escapes, is ever taken for
// it), its parts are valid names, and the printed form parses to the same ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "names.h"
#include "security/spiffe_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string uri(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<meshup::internal::SpiffeId> id = meshup::internal::ParseSpiffeId(uri);
  if (!id.ok()) {
    if (id.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (id->ToString() != uri) std::abort();
  if (!meshup::internal::IsTrustDomain(id->trust_domain) ||
      !meshup::internal::IsDns1123Label(id->namespace_name) ||
      !meshup::internal::IsDns1123Label(id->service_account)) {
    std::abort();
  }
  absl::StatusOr<meshup::internal::SpiffeId> again =
      meshup::internal::ParseSpiffeId(id->ToString());
  if (!again.ok() || !(*again == *id)) std::abort();
  return 0;
}
