#include "security/spiffe_id.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "names.h"

namespace meshup::internal {

std::string SpiffeId::ToString() const {
  return absl::StrCat("spiffe://", trust_domain, "/ns/", namespace_name, "/sa/", service_account);
}

bool IsTrustDomain(absl::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view uri) {
  constexpr absl::string_view kScheme = "spiffe://";
  auto error = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", uri, "' is not a workload SPIFFE ID: ", why));
  };
  if (!absl::StartsWith(uri, kScheme)) return error("it does not start with spiffe://");
  absl::string_view rest = uri.substr(kScheme.size());
  if (rest.find_first_of("?#%") != absl::string_view::npos) {
    return error("query, fragment and percent-encoding are not allowed");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  if (parts.size() != 5 || parts[1] != "ns" || parts[3] != "sa") {
    return error("expected spiffe://<trust domain>/ns/<namespace>/sa/<service account>");
  }
  SpiffeId id{std::string(parts[0]), std::string(parts[2]), std::string(parts[4])};
  if (!IsTrustDomain(id.trust_domain)) return error("the trust domain is not valid");
  if (!IsDns1123Label(id.namespace_name)) return error("the namespace is not a DNS-1123 label");
  if (!IsDns1123Label(id.service_account)) {
    return error("the service account is not a DNS-1123 label");
  }
  return id;
}

}  // namespace meshup::internal
