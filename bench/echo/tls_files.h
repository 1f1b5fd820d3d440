// The PEM files of a TLS identity directory (cert.pem, key.pem, root.pem: what
// `meshup ca issue` writes, and what the benchmark issues for localhost),
// read for gRPC's SSL credentials of the plain gRPC arms, or watched by a
// certificate provider for the arm that sets TLS up as MeshUp does.
#ifndef MESHUP_BENCH_ECHO_TLS_FILES_H_
#define MESHUP_BENCH_ECHO_TLS_FILES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/tls_certificate_provider.h"

namespace meshup::bench {

struct TlsFiles {
  std::string cert;  // PEM
  std::string key;
  std::string root;
};

absl::StatusOr<TlsFiles> ReadTlsFiles(const std::string& directory);

// A provider that re-reads the directory's files every second (as MeshUp's
// workload identities do); NotFound when a file cannot be read now.
absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateProviderInterface>>
WatchTlsFiles(const std::string& directory);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_ECHO_TLS_FILES_H_
