// A plain gRPC channel (no MeshUp) over mTLS as a workload of the test CA,
// for tests that call a MeshUp server as any gRPC client would.
#ifndef MESHUP_TESTS_INTEGRATION_MTLS_CHANNEL_H_
#define MESHUP_TESTS_INTEGRATION_MTLS_CHANNEL_H_

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace meshup::testing {

// Accepts any server name once gRPC has verified the chain to the test CA:
// workload certificates name a SPIFFE ID, not a host.
class AnyServerName final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest*,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    *sync_status = grpc::Status::OK;
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}
};

inline std::string ReadTestFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A channel to `address` presenting the identity in `identity_dir` (cert.pem,
// key.pem, root.pem from `meshup ca issue`). Call it inside gRPC's scope
// under TSan (internal::GrpcCode, runtime/src/grpc_adapter/handover.h).
inline std::shared_ptr<grpc::Channel> MtlsChannel(const std::string& address,
                                                  const std::string& identity_dir) {
  const std::filesystem::path dir(identity_dir);
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      ReadTestFile(dir / "root.pem"),
      std::vector<grpc::experimental::IdentityKeyCertPair>{
          {ReadTestFile(dir / "key.pem"), ReadTestFile(dir / "cert.pem")}});
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);  // the chain; the name is a SPIFFE ID
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<AnyServerName>());
  return grpc::CreateChannel(address, grpc::experimental::TlsCredentials(options));
}

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_INTEGRATION_MTLS_CHANNEL_H_
