// A certificate for the plain gRPC TLS arm and the nginx sidecars: signed by
// the benchmark's MeshUp CA (ca.crt, ca.key from InitCa), with the DNS name
// "localhost" and the address 127.0.0.1 as SANs (workload certificates carry
// only a SPIFFE URI, which neither gRPC's SslCredentials nor nginx can check)
// and both serverAuth and clientAuth. Written with OpenSSL's API into
// `out_directory` as cert.pem, key.pem and root.pem, as `meshup ca issue`
// lays them out.
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_LOCALHOST_CERT_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_LOCALHOST_CERT_H_

#include <string>

#include "absl/status/status.h"

namespace meshup::bench {

absl::Status IssueLocalhostCertificate(const std::string& ca_directory,
                                       const std::string& out_directory);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_LOCALHOST_CERT_H_
