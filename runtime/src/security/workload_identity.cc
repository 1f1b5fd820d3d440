#include "security/workload_identity.h"

#include <ctime>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpc_adapter/certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "security/certificate_authority.h"
#include "security/x509_names.h"
#include "util/files.h"

namespace meshup::internal {
namespace {

// How often gRPC re-reads the identity files.
constexpr unsigned int kRefreshSeconds = 1;

// Accepts a server only when its certificate's URI SANs include the
// expected SPIFFE ID (or, with an empty expectation, an ID of the trust
// domain). gRPC has verified the chain against root.pem before.
CertificateCheck SpiffeCheck(std::string expected, const std::string& trust_domain) {
  return [expected = std::move(expected), trust_domain_prefix = "spiffe://" + trust_domain + "/"](
             const grpc::experimental::TlsCustomVerificationCheckRequest& request) {
    std::vector<std::string> presented;
    for (const grpc::string_ref& uri : request.uri_names()) {
      presented.emplace_back(uri.data(), uri.size());
      const bool matches = expected.empty()
                               ? absl::StartsWith(presented.back(), trust_domain_prefix)
                               : presented.back() == expected;
      if (matches) return grpc::Status::OK;
    }
    return grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        absl::StrCat("the server presented ",
                     presented.empty() ? "no SPIFFE ID" : absl::StrJoin(presented, ", "),
                     "; expected ",
                     expected.empty() ? absl::StrCat(trust_domain_prefix, "...") : expected));
  };
}

// The SPIFFE ID of the certificate at `path`, refusing an expired one.
absl::StatusOr<SpiffeId> CertificateIdentity(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (certificate == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, " holds no PEM certificate"));
  }
  const std::vector<std::string> uris = UriSubjectAltNames(certificate);
  const bool expired = X509_cmp_current_time(X509_get0_notAfter(certificate)) <= 0;
  const bool not_yet = X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0;
  X509_free(certificate);
  if (expired || not_yet) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is ", expired ? "expired" : "not valid yet",
        "; issue a new one with `meshup ca issue` (MeshUp never falls back to plaintext)"));
  }
  if (uris.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has ", uris.size(),
                                                   " URI SANs; a workload certificate has exactly "
                                                   "one SPIFFE ID"));
  }
  return ParseSpiffeId(uris[0]);
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkloadIdentity>> WorkloadIdentity::Load(
    const std::string& directory) {
  const std::string key = absl::StrCat(directory, "/", kKeyFile);
  const std::string cert = absl::StrCat(directory, "/", kCertificateFile);
  const std::string roots = absl::StrCat(directory, "/", kRootsFile);
  for (const std::string& path : {key, roots}) {
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("workload identity ", directory, ": ", text.status().message(),
                       " (write it with `meshup ca issue --out ", directory, "`)"));
    }
  }
  absl::StatusOr<SpiffeId> id = CertificateIdentity(cert);
  if (!id.ok()) return id.status();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key, cert, roots, kRefreshSeconds);
  return std::unique_ptr<WorkloadIdentity>(new WorkloadIdentity(*std::move(id), provider));
}

std::shared_ptr<grpc::ServerCredentials> WorkloadIdentity::ServerCredentials() const {
  grpc::experimental::TlsServerCredentialsOptions options(provider_);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> WorkloadIdentity::ChannelCredentials(
    const std::string& expected) const {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider_);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  // Workload certificates name SPIFFE IDs, not host names: the verifier
  // checks the ID instead of the host.
  options.set_check_call_host(false);
  options.set_certificate_verifier(NewCertificateVerifier(SpiffeCheck(expected, id_.trust_domain)));
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace meshup::internal
