#include "security/certificate_authority.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Certificate = std::unique_ptr<X509, X509Free>;

Certificate ReadCertificate(const std::string& path) {
  FILE* file = fopen(path.c_str(), "r");
  EXPECT_NE(file, nullptr) << path;
  if (file == nullptr) return nullptr;
  Certificate certificate(PEM_read_X509(file, nullptr, nullptr, nullptr));
  fclose(file);
  return certificate;
}

mode_t ModeOf(const std::string& path) {
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

// The certificate's URI SANs.
std::vector<std::string> UriSans(X509* certificate) {
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_URI) {
      uris.emplace_back(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
          ASN1_STRING_length(name->d.uniformResourceIdentifier));
    }
  }
  GENERAL_NAMES_free(names);
  return uris;
}

// Verifies `leaf` against `root` as OpenSSL would for a TLS peer.
bool Verifies(X509* leaf, X509* root) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root);
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, leaf, nullptr);
  const bool ok = X509_verify_cert(context) == 1;
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  return ok;
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-ca-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(CertificateAuthorityTest, InitMakesARootWithAPrivateKey) {
  ASSERT_TRUE(InitCa(Path("ca"), CaOptions()).ok());
  EXPECT_EQ(ModeOf(Path("ca/ca.key")), 0600u);
  EXPECT_EQ(ModeOf(Path("ca/ca.crt")), 0644u);
  Certificate root = ReadCertificate(Path("ca/ca.crt"));
  ASSERT_TRUE(root);
  EXPECT_EQ(X509_check_ca(root.get()), 1);
  EXPECT_THAT(UriSans(root.get()), ::testing::ElementsAre("spiffe://cluster.local"));
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(root.get())), EVP_PKEY_EC);
  auto domain = CaTrustDomain(Path("ca"));
  ASSERT_TRUE(domain.ok());
  EXPECT_EQ(*domain, "cluster.local");
}

TEST_F(CertificateAuthorityTest, InitRefusesToReplaceACaUnlessAsked) {
  ASSERT_TRUE(InitCa(Path("ca"), CaOptions()).ok());
  absl::Status again = InitCa(Path("ca"), CaOptions());
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("--force"));
  CaOptions force;
  force.overwrite = true;
  EXPECT_TRUE(InitCa(Path("ca"), force).ok());
}

TEST_F(CertificateAuthorityTest, InitRefusesABadTrustDomain) {
  CaOptions options;
  options.trust_domain = "Example.ORG/x";
  EXPECT_THAT(InitCa(Path("ca"), options).message(), HasSubstr("trust domain 'Example.ORG/x'"));
}

TEST_F(CertificateAuthorityTest, IssuesASpiffeCertificateForBothSidesOfMtls) {
  CaOptions ca;
  ca.trust_domain = "example.org";
  ASSERT_TRUE(InitCa(Path("ca"), ca).ok());
  IssueOptions options;
  options.id.namespace_name = "bookinfo";
  options.id.service_account = "bookinfo-reviews";
  options.ttl = absl::Minutes(5);
  auto id = IssueWorkloadCertificate(Path("ca"), Path("reviews"), options);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->ToString(), "spiffe://example.org/ns/bookinfo/sa/bookinfo-reviews");
  EXPECT_EQ(ModeOf(Path("reviews/key.pem")), 0600u);

  Certificate leaf = ReadCertificate(Path("reviews/cert.pem"));
  Certificate root = ReadCertificate(Path("reviews/root.pem"));
  ASSERT_TRUE(leaf && root);
  EXPECT_THAT(UriSans(leaf.get()),
              ::testing::ElementsAre("spiffe://example.org/ns/bookinfo/sa/bookinfo-reviews"));
  EXPECT_TRUE(Verifies(leaf.get(), root.get()));
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  const uint32_t eku = X509_get_extended_key_usage(leaf.get());
  EXPECT_TRUE(eku & XKU_SSL_SERVER);
  EXPECT_TRUE(eku & XKU_SSL_CLIENT);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE);
  // Valid now, and not past the five minutes asked for.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(leaf.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(leaf.get())), 0);
  time_t six_minutes = time(nullptr) + 6 * 60;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(leaf.get()), &six_minutes), 0);
}

TEST_F(CertificateAuthorityTest, ACertificateOfAnotherCaDoesNotVerify) {
  ASSERT_TRUE(InitCa(Path("ca"), CaOptions()).ok());
  ASSERT_TRUE(InitCa(Path("other"), CaOptions()).ok());
  IssueOptions options;
  options.id.namespace_name = "default";
  options.id.service_account = "reviews";
  ASSERT_TRUE(IssueWorkloadCertificate(Path("other"), Path("reviews"), options).ok());
  Certificate leaf = ReadCertificate(Path("reviews/cert.pem"));
  Certificate root = ReadCertificate(Path("ca/ca.crt"));
  EXPECT_FALSE(Verifies(leaf.get(), root.get()));
}

TEST_F(CertificateAuthorityTest, IssueRefusesBadIdentitiesAndMissingCas) {
  ASSERT_TRUE(InitCa(Path("ca"), CaOptions()).ok());
  IssueOptions options;
  options.id.namespace_name = "default";
  options.id.service_account = "Reviews_SA";
  EXPECT_THAT(IssueWorkloadCertificate(Path("ca"), Path("out"), options).status().message(),
              HasSubstr("the service account is not a DNS-1123 label"));
  options.id.service_account = "reviews";
  EXPECT_THAT(IssueWorkloadCertificate(Path("nope"), Path("out"), options).status().message(),
              HasSubstr("cannot read"));
  options.ttl = absl::Seconds(10);
  EXPECT_THAT(IssueWorkloadCertificate(Path("ca"), Path("out"), options).status().message(),
              HasSubstr("at least a minute"));
}

TEST(SpiffeIdTest, ParsesWorkloadIds) {
  auto id = ParseSpiffeId("spiffe://cluster.local/ns/default/sa/bookinfo-ratings");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->trust_domain, "cluster.local");
  EXPECT_EQ(id->namespace_name, "default");
  EXPECT_EQ(id->service_account, "bookinfo-ratings");
}

TEST(SpiffeIdTest, RefusesEverythingElse) {
  for (const char* bad :
       {"", "http://cluster.local/ns/a/sa/b", "spiffe://cluster.local/ns/a/sa/b/extra",
        "spiffe://cluster.local/ns/a/sb/b", "spiffe:///ns/a/sa/b", "spiffe://Cluster/ns/a/sa/b",
        "spiffe://cluster.local/ns/a/sa/b?x", "spiffe://cluster.local/ns/%61/sa/b",
        "spiffe://cluster.local/ns//sa/b", "spiffe://cluster.local/ns/a/sa/B"}) {
    EXPECT_FALSE(ParseSpiffeId(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace meshup::internal
