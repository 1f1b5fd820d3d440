// The source labels a server records for its callers, from what it can
// trust. A caller's principal and namespace come from its verified
// certificate (SPIFFE ID); its workload, app and version from its
// kPeerHeader, which it writes itself, so that header counts only within
// bounds:
//
//  - each field must look like a Kubernetes name (at most 63 characters of
//    [A-Za-z0-9._-]), else the header is ignored;
//  - over mTLS, the header's namespace must be the certificate's, and each
//    principal may present at most kPerPrincipal distinct headers (a
//    service account runs a few versions);
//  - plaintext callers, who prove nothing, share kPlaintext distinct headers
//    for the whole process;
//  - at most kPrincipals principals are remembered.
//
// A header past a bound is ignored: the caller's workload, app and version
// read "unknown". So no caller can make more than a bounded number of label
// sets, whatever it sends. Thread-safe.
#ifndef MESHUP_SRC_TELEMETRY_CALLER_LABELS_H_
#define MESHUP_SRC_TELEMETRY_CALLER_LABELS_H_

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "telemetry/metrics.h"

namespace meshup::internal {

class CallerLabels {
 public:
  static constexpr size_t kPerPrincipal = 8;
  static constexpr size_t kPlaintext = 32;
  static constexpr size_t kPrincipals = 10000;

  // The caller's labels from its kPeerHeader value and its verified SPIFFE
  // ID (empty: a plaintext caller).
  PeerLabels Source(absl::string_view peer_header, absl::string_view verified_principal);

 private:
  // Whether `header` may label calls of `principal` ("": plaintext).
  bool Admit(const std::string& principal, const std::string& header);

  std::mutex mu_;
  std::map<std::string, std::set<std::string>> admitted_;  // guarded by mu_; by principal
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_CALLER_LABELS_H_
