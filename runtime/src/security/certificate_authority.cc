#include "security/certificate_authority.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "openssl/bio.h"
#include "openssl/bn.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rand.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "security/x509_names.h"
#include "util/files.h"

namespace meshup::internal {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Certificate = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

// OpenSSL's last error, for messages.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

absl::StatusOr<Key> NewP256Key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return absl::InternalError(absl::StrCat("cannot make a key: ", OpenSslError()));
  return key;
}

std::string KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string CertificatePem(X509* certificate) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate);
  char* data;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::Status AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot add extension ", OBJ_nid2sn(nid), "=", value, ": ", OpenSslError()));
  }
  return absl::OkStatus();
}

// A certificate of `subject_key` valid from a minute ago for `ttl`, not yet
// signed.
absl::StatusOr<Certificate> NewCertificate(EVP_PKEY* subject_key, absl::Duration ttl,
                                           const std::string& common_name) {
  Certificate certificate(X509_new());
  X509_set_version(certificate.get(), 2);  // v3
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  BN_free(number);
  // A minute back, for clocks a little behind ours.
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), absl::ToInt64Seconds(ttl));
  X509_set_pubkey(certificate.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("MeshUp"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return certificate;
}

struct LoadedCa {
  Certificate certificate;
  Key key;
};

absl::StatusOr<LoadedCa> LoadCa(const std::string& directory) {
  absl::StatusOr<std::string> cert_pem = ReadFile(absl::StrCat(directory, "/", kCaCertificateFile));
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadFile(absl::StrCat(directory, "/", kCaKeyFile));
  if (!key_pem.ok()) return key_pem.status();
  LoadedCa ca;
  Bio cert_bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  ca.certificate.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Bio key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  ca.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca.certificate || !ca.key) {
    return absl::InvalidArgumentError(absl::StrCat(directory, " holds no readable CA (",
                                                   kCaCertificateFile, ", ", kCaKeyFile,
                                                   "): ", OpenSslError()));
  }
  if (X509_check_private_key(ca.certificate.get(), ca.key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory, ": ", kCaKeyFile, " does not match ", kCaCertificateFile));
  }
  return ca;
}

}  // namespace

absl::Status InitCa(const std::string& directory, const CaOptions& options) {
  if (!IsTrustDomain(options.trust_domain)) {
    return absl::InvalidArgumentError(
        absl::StrCat("trust domain '", options.trust_domain,
                     "' is not valid (lowercase letters, digits, '-', '.' and '_')"));
  }
  if (options.ttl < absl::Hours(1)) {
    return absl::InvalidArgumentError("a CA must be valid for at least an hour");
  }
  const std::string key_path = absl::StrCat(directory, "/", kCaKeyFile);
  if (!options.overwrite && access(key_path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(key_path,
                     " exists; a new CA would invalidate every certificate it issued (use --force "
                     "to replace it)"));
  }
  if (absl::Status made = MakeDirectories(directory); !made.ok()) return made;
  absl::StatusOr<Key> key = NewP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> certificate = NewCertificate(
      key->get(), options.ttl, absl::StrCat("MeshUp root CA ", options.trust_domain));
  if (!certificate.ok()) return certificate.status();
  X509* cert = certificate->get();
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  const std::string san = absl::StrCat("URI:spiffe://", options.trust_domain);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_subject_alt_name, san.c_str()}}) {
    if (absl::Status added = AddExtension(cert, cert, nid, value); !added.ok()) return added;
  }
  if (X509_sign(cert, key->get(), EVP_sha256()) == 0) {
    return absl::InternalError(absl::StrCat("cannot sign the CA: ", OpenSslError()));
  }
  if (absl::Status written = WriteFileAtomically(key_path, KeyPem(key->get()), 0600);
      !written.ok()) {
    return written;
  }
  return WriteFileAtomically(absl::StrCat(directory, "/", kCaCertificateFile), CertificatePem(cert),
                             0644);
}

absl::StatusOr<std::string> CaTrustDomain(const std::string& ca_directory) {
  absl::StatusOr<LoadedCa> ca = LoadCa(ca_directory);
  if (!ca.ok()) return ca.status();
  for (const std::string& name : UriSubjectAltNames(ca->certificate.get())) {
    absl::string_view uri = name;
    if (absl::ConsumePrefix(&uri, "spiffe://")) return std::string(uri);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(ca_directory, "/", kCaCertificateFile, " names no SPIFFE trust domain"));
}

absl::StatusOr<SpiffeId> IssueWorkloadCertificate(const std::string& ca_directory,
                                                  const std::string& out_directory,
                                                  const IssueOptions& options) {
  absl::StatusOr<LoadedCa> ca = LoadCa(ca_directory);
  if (!ca.ok()) return ca.status();
  SpiffeId id = options.id;
  if (id.trust_domain.empty()) {
    absl::StatusOr<std::string> domain = CaTrustDomain(ca_directory);
    if (!domain.ok()) return domain.status();
    id.trust_domain = *domain;
  }
  absl::StatusOr<SpiffeId> checked = ParseSpiffeId(id.ToString());
  if (!checked.ok()) return checked.status();
  if (options.ttl < absl::Minutes(1)) {
    return absl::InvalidArgumentError("a workload certificate must be valid for at least a minute");
  }
  if (absl::Status made = MakeDirectories(out_directory); !made.ok()) return made;
  absl::StatusOr<Key> key = NewP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> certificate =
      NewCertificate(key->get(), options.ttl, id.service_account);
  if (!certificate.ok()) return certificate.status();
  X509* cert = certificate->get();
  X509_set_issuer_name(cert, X509_get_subject_name(ca->certificate.get()));
  const std::string san = absl::StrCat("URI:", id.ToString());
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
                            std::pair{NID_authority_key_identifier, "keyid:always"},
                            std::pair{NID_subject_alt_name, san.c_str()}}) {
    if (absl::Status added = AddExtension(cert, ca->certificate.get(), nid, value); !added.ok()) {
      return added;
    }
  }
  if (X509_sign(cert, ca->key.get(), EVP_sha256()) == 0) {
    return absl::InternalError(absl::StrCat("cannot sign the certificate: ", OpenSslError()));
  }
  // The key first: a watcher that sees the new certificate must find its key.
  for (auto [file, text, mode] :
       {std::tuple{kKeyFile, KeyPem(key->get()), mode_t{0600}},
        std::tuple{kCertificateFile, CertificatePem(cert), mode_t{0644}},
        std::tuple{kRootsFile, CertificatePem(ca->certificate.get()), mode_t{0644}}}) {
    absl::Status written = WriteFileAtomically(absl::StrCat(out_directory, "/", file), text, mode);
    if (!written.ok()) return written;
  }
  return id;
}

}  // namespace meshup::internal
