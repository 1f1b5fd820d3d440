#include "grpc_adapter/certificate_verifier.h"

#include <utility>

#include "grpc_adapter/handover.h"

namespace meshup::internal {
namespace {

// The verifier's state crosses to gRPC's threads when it is made, between
// handshakes and to its destructor; each crossing is handed over.
class SynchronousVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit SynchronousVerifier(CertificateCheck check) : check_(std::move(check)) {
    HandOffToGrpc(this);
  }
  ~SynchronousVerifier() override { TakeOverFromGrpc(this); }

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    TakeOverFromGrpc(this);
    *sync_status = check_(*request);
    HandOffToGrpc(this);  // to the next Verify() and to the destructor
    return true;          // decided synchronously
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const CertificateCheck check_;
};

}  // namespace

std::shared_ptr<grpc::experimental::CertificateVerifier> NewCertificateVerifier(
    CertificateCheck check) {
  GrpcCode in_grpc;  // Create() reads the verifier after its hand-off
  return grpc::experimental::ExternalCertificateVerifier::Create<SynchronousVerifier>(
      std::move(check));
}

}  // namespace meshup::internal
