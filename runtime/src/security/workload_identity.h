// A workload's identity for mTLS: the files `meshup ca issue` writes
// (cert.pem, key.pem, root.pem), watched by gRPC's file-watching certificate
// provider so that replacing them rotates the identity with no restart.
//
// Load() refuses missing, unreadable or expired certificates and ones
// without exactly one workload SPIFFE ID: a workload that was meant to have
// an identity never falls back to plaintext.
//
// Servers made with ServerCredentials() require and verify a client
// certificate from the same CA; channels made with ChannelCredentials()
// verify the server's chain and that it presents the SPIFFE ID expected for
// the destination (from discovery), not just any certificate of the CA.
#ifndef MESHUP_SRC_SECURITY_WORKLOAD_IDENTITY_H_
#define MESHUP_SRC_SECURITY_WORKLOAD_IDENTITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "security/spiffe_id.h"

namespace meshup::internal {

class WorkloadIdentity {
 public:
  static absl::StatusOr<std::unique_ptr<WorkloadIdentity>> Load(const std::string& directory);

  const SpiffeId& id() const { return id_; }
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;
  // `expected`: the SPIFFE ID the server must present; empty: any workload
  // of this identity's trust domain (a static address, whose service account
  // nobody declared).
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const std::string& expected) const;

 private:
  WorkloadIdentity(SpiffeId id,
                   std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider)
      : id_(std::move(id)), provider_(std::move(provider)) {}
  const SpiffeId id_;
  const std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider_;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_WORKLOAD_IDENTITY_H_
