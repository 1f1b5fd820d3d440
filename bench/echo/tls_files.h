// The PEM files of a TLS identity directory (cert.pem, key.pem, root.pem: what
// `meshup ca issue` writes, and what the benchmark issues for localhost),
// read for gRPC's SSL credentials of the plain gRPC arms.
#ifndef MESHUP_BENCH_ECHO_TLS_FILES_H_
#define MESHUP_BENCH_ECHO_TLS_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace meshup::bench {

struct TlsFiles {
  std::string cert;  // PEM
  std::string key;
  std::string root;
};

absl::StatusOr<TlsFiles> ReadTlsFiles(const std::string& directory);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_ECHO_TLS_FILES_H_
