#include "telemetry/caller_labels.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "security/spiffe_id.h"

namespace meshup::internal {
namespace {

bool LooksLikeAName(absl::string_view field) {
  if (field.size() > 63) return false;
  for (char c : field) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool CallerLabels::Admit(const std::string& principal, const std::string& header) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = admitted_.find(principal);
  if (found == admitted_.end()) {
    if (admitted_.size() >= kPrincipals) return false;
    found = admitted_.emplace(principal, std::set<std::string>()).first;
  }
  std::set<std::string>& headers = found->second;
  if (headers.count(header) > 0) return true;
  if (headers.size() >= (principal.empty() ? kPlaintext : kPerPrincipal)) return false;
  headers.insert(header);
  return true;
}

PeerLabels CallerLabels::Source(absl::string_view peer_header,
                                absl::string_view verified_principal) {
  PeerLabels labels;
  std::string spiffe_namespace;
  if (!verified_principal.empty()) {
    labels.principal = std::string(verified_principal);
    if (absl::StatusOr<SpiffeId> id = ParseSpiffeId(verified_principal); id.ok()) {
      spiffe_namespace = id->namespace_name;
    }
    labels.namespace_name = spiffe_namespace;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(peer_header, ',');
  if (parts.size() != 4) return labels;
  for (absl::string_view part : parts) {
    if (!LooksLikeAName(part)) return labels;
  }
  if (!verified_principal.empty() && parts[1] != spiffe_namespace) return labels;
  if (!Admit(std::string(verified_principal), std::string(peer_header))) return labels;
  labels.workload = std::string(parts[0]);
  labels.namespace_name = std::string(parts[1]);
  labels.app = std::string(parts[2]);
  labels.version = std::string(parts[3]);
  return labels;
}

}  // namespace meshup::internal
