// MeshUp's built-in certificate authority, on OpenSSL.
//
// InitCa() makes a self-signed root: an ECDSA P-256 key and a certificate
// (CA:TRUE, keyCertSign) for `ttl`. IssueWorkloadCertificate() issues a
// short-lived workload certificate signed by it: a fresh P-256 key, the
// SPIFFE ID as the only URI SAN, digitalSignature + keyEncipherment, and
// both serverAuth and clientAuth, so that one certificate serves both sides
// of mTLS. Keys are written with mode 0600, certificates 0644; files are
// written whole (temporary file, then rename), so a process watching them
// never reads half a certificate.
#ifndef MESHUP_SRC_SECURITY_CERTIFICATE_AUTHORITY_H_
#define MESHUP_SRC_SECURITY_CERTIFICATE_AUTHORITY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "security/spiffe_id.h"

namespace meshup::internal {

// The files of a CA directory and of a workload's identity directory.
inline constexpr char kCaCertificateFile[] = "ca.crt";
inline constexpr char kCaKeyFile[] = "ca.key";
inline constexpr char kCertificateFile[] = "cert.pem";  // the workload's certificate
inline constexpr char kKeyFile[] = "key.pem";           // its private key
inline constexpr char kRootsFile[] = "root.pem";        // the CA certificate to trust

struct CaOptions {
  std::string trust_domain = "cluster.local";
  absl::Duration ttl = absl::Hours(24 * 365 * 10);
  bool overwrite = false;  // refuse to replace an existing CA unless set
};

// Writes ca.crt and ca.key into `directory` (created if missing).
absl::Status InitCa(const std::string& directory, const CaOptions& options);

struct IssueOptions {
  SpiffeId id;  // trust_domain empty: the CA's
  absl::Duration ttl = absl::Hours(24);
};

// Issues a certificate for `options.id` with the CA in `ca_directory` and
// writes cert.pem, key.pem and root.pem into `out_directory` (created if
// missing), replacing what is there. Returns the SPIFFE ID issued.
absl::StatusOr<SpiffeId> IssueWorkloadCertificate(const std::string& ca_directory,
                                                  const std::string& out_directory,
                                                  const IssueOptions& options);

// The trust domain of the CA in `ca_directory` (from its subject).
absl::StatusOr<std::string> CaTrustDomain(const std::string& ca_directory);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_CERTIFICATE_AUTHORITY_H_
