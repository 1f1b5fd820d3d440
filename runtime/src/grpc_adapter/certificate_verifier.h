// A gRPC TLS certificate verifier that decides on the handshake's thread.
// gRPC owns the verifier: it calls `check` on its handshake threads, one
// handshake at a time per verifier or several at once, and destroys the
// verifier on whichever thread releases the credentials last. `check` must
// therefore only read what it captured.
#ifndef MESHUP_SRC_GRPC_ADAPTER_CERTIFICATE_VERIFIER_H_
#define MESHUP_SRC_GRPC_ADAPTER_CERTIFICATE_VERIFIER_H_

#include <functional>
#include <memory>

#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/support/status.h"

namespace meshup::internal {

using CertificateCheck =
    std::function<grpc::Status(const grpc::experimental::TlsCustomVerificationCheckRequest&)>;

std::shared_ptr<grpc::experimental::CertificateVerifier> NewCertificateVerifier(
    CertificateCheck check);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_CERTIFICATE_VERIFIER_H_
