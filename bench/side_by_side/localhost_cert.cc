#include "side_by_side/localhost_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"

namespace meshup::bench {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};

absl::Status OpenSslError(const std::string& what) {
  return absl::InternalError(absl::StrCat("OpenSSL: ", what));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::Status WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  chmod(path.c_str(), mode);
  return absl::OkStatus();
}

absl::Status AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("cannot add extension ", value));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IssueLocalhostCertificate(const std::string& ca_directory,
                                       const std::string& out_directory) {
  const std::string ca_cert_path = absl::StrCat(ca_directory, "/ca.crt");
  const std::string ca_key_path = absl::StrCat(ca_directory, "/ca.key");
  std::unique_ptr<FILE, Free> ca_cert_file(std::fopen(ca_cert_path.c_str(), "r"));
  std::unique_ptr<FILE, Free> ca_key_file(std::fopen(ca_key_path.c_str(), "r"));
  if (!ca_cert_file || !ca_key_file) {
    return absl::NotFoundError(absl::StrCat("no CA in ", ca_directory));
  }
  std::unique_ptr<X509, Free> ca_cert(
      PEM_read_X509(ca_cert_file.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_PKEY, Free> ca_key(
      PEM_read_PrivateKey(ca_key_file.get(), nullptr, nullptr, nullptr));
  if (!ca_cert || !ca_key) return OpenSslError(absl::StrCat("cannot read the CA in ", ca_directory));

  std::unique_ptr<EVP_PKEY, Free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::unique_ptr<X509, Free> certificate(X509_new());
  if (!key || !certificate) return OpenSslError("cannot make a key");
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 2);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 7 * 24 * 3600);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca_cert.get()));
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
                            std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"}}) {
    absl::Status added = AddExtension(certificate.get(), ca_cert.get(), nid, value);
    if (!added.ok()) return added;
  }
  if (X509_sign(certificate.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("cannot sign the certificate");
  }

  std::unique_ptr<BIO, Free> key_pem(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, Free> cert_pem(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, Free> root_pem(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_pem.get(), certificate.get()) != 1 ||
      PEM_write_bio_X509(root_pem.get(), ca_cert.get()) != 1) {
    return OpenSslError("cannot write PEM");
  }
  mkdir(out_directory.c_str(), 0755);
  for (auto [file, bio, mode] : {std::tuple{"key.pem", key_pem.get(), 0600},
                                 std::tuple{"cert.pem", cert_pem.get(), 0644},
                                 std::tuple{"root.pem", root_pem.get(), 0644}}) {
    absl::Status written =
        WriteFile(absl::StrCat(out_directory, "/", file), BioContents(bio), mode);
    if (!written.ok()) return written;
  }
  return absl::OkStatus();
}

}  // namespace meshup::bench
