// mTLS between workloads with SPIFFE identities from the built-in CA.
// Negative cases first: each must fail with a clear status and no handler
// call.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "security/certificate_authority.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;
using ::testing::HasSubstr;

// Echo answers with the caller's SPIFFE ID.
class WhoAmI final : public Everything::Service {
 public:
  absl::Status Echo(ServerContext& context, const meshup_test::common::Echo&,
                    meshup_test::common::Echo& response) override {
    ++calls;
    response.set_text(std::string(context.peer_identity()));
    return absl::OkStatus();
  }
  std::atomic<int> calls{0};
};

// Writes into `out` an identity for `service_account` signed by the CA in
// `ca` whose validity ended an hour ago (the CA itself issues only valid
// ones).
void WriteExpiredIdentity(const std::string& ca, const std::string& out,
                          const std::string& service_account) {
  FILE* file = fopen((ca + "/ca.crt").c_str(), "r");
  X509* ca_cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  fclose(file);
  file = fopen((ca + "/ca.key").c_str(), "r");
  EVP_PKEY* ca_key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  fclose(file);
  ASSERT_TRUE(ca_cert != nullptr && ca_key != nullptr);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert), -2 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), -3600);
  X509_set_pubkey(cert, key);
  X509_set_issuer_name(cert, X509_get_subject_name(ca_cert));
  X509V3_CTX context;
  X509V3_set_ctx(&context, ca_cert, cert, nullptr, nullptr, 0);
  const std::string san = "URI:spiffe://cluster.local/ns/default/sa/" + service_account;
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, san.c_str());
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  X509_sign(cert, ca_key, EVP_sha256());
  std::filesystem::create_directories(out);
  file = fopen((out + "/cert.pem").c_str(), "w");
  PEM_write_X509(file, cert);
  fclose(file);
  file = fopen((out + "/key.pem").c_str(), "w");
  PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  fclose(file);
  file = fopen((out + "/root.pem").c_str(), "w");
  PEM_write_X509(file, ca_cert);
  fclose(file);
  X509_free(cert);
  EVP_PKEY_free(key);
  X509_free(ca_cert);
  EVP_PKEY_free(ca_key);
}

class MtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-mtls-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(internal::InitCa(Path("ca"), internal::CaOptions()).ok());
    ASSERT_TRUE(internal::InitCa(Path("other-ca"), internal::CaOptions()).ok());
    Issue("ca", "everything-sa", "server");
    Issue("ca", "client-sa", "client");
    std::filesystem::create_directories(dir_ / "config");
    std::filesystem::create_directories(dir_ / "registry");
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::ZeroDuration());
    server_.reset();
    server_mesh_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  void Issue(const std::string& ca, const std::string& service_account, const std::string& out,
             absl::Duration ttl = absl::Hours(1)) {
    internal::IssueOptions options;
    options.id.namespace_name = "default";
    options.id.service_account = service_account;
    options.ttl = ttl;
    ASSERT_TRUE(internal::IssueWorkloadCertificate(Path(ca), Path(out), options).ok());
  }

  std::unique_ptr<Mesh> NewMesh(const std::string& service, const std::string& identity) {
    MeshOptions options;
    options.service = service;
    options.config_dir = Path("config");
    options.registry_dir = Path("registry");
    if (!identity.empty()) options.identity_dir = Path(identity);
    auto mesh = Mesh::Create(options);
    EXPECT_TRUE(mesh.ok()) << mesh.status();
    return mesh.ok() ? *std::move(mesh) : nullptr;
  }

  void StartServer() {
    server_mesh_ = NewMesh("everything", "server");
    ServerOptions options;
    options.drain_delay = absl::ZeroDuration();
    server_ = server_mesh_->NewServer(options);
    ASSERT_TRUE(server_->AddService(service_).ok());
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    address_ = absl::StrCat("127.0.0.1:", *port);
  }

  absl::StatusOr<Echo> Call(Mesh& mesh, const std::string& target) {
    auto channel = mesh.Connect(target);
    EXPECT_TRUE(channel.ok());
    CallOptions options;
    options.timeout = absl::Seconds(5);
    return Everything::Client(*channel).Echo(Echo(), options);
  }

  // Calls `service` through discovery, waiting (bounded) until the client
  // sees its endpoint.
  absl::StatusOr<Echo> CallDiscovered(Mesh& mesh, const std::string& service) {
    absl::StatusOr<Echo> reply = absl::UnknownError("not called");
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    do {
      reply = Call(mesh, service);
    } while (absl::StrContains(reply.status().message(), "no healthy upstream") &&
             absl::Now() < deadline);
    return reply;
  }

  void WriteConfig(const std::string& name, const std::string& yaml) {
    std::ofstream(dir_ / "config" / name) << yaml;
  }

  std::filesystem::path dir_;
  WhoAmI service_;
  std::unique_ptr<Mesh> server_mesh_;
  std::unique_ptr<Server> server_;
  std::string address_;
};

TEST_F(MtlsTest, APlaintextClientIsRefused) {
  StartServer();
  auto plaintext = NewMesh("client", "");
  absl::StatusOr<Echo> reply = Call(*plaintext, address_);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(MtlsTest, AClientCertificateFromAnotherCaIsRefused) {
  StartServer();
  Issue("other-ca", "client-sa", "foreign");
  auto foreign = NewMesh("client", "foreign");
  EXPECT_EQ(Call(*foreign, address_).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(MtlsTest, AServerImpersonatingAnotherServiceAccountIsRefused) {
  StartServer();
  // Discovery says `everything` runs as reviews-sa; the server's certificate
  // says everything-sa.
  const std::string port = address_.substr(address_.rfind(':') + 1);
  std::ofstream(dir_ / "registry" / "impostor.yaml")
      << "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: impostor}\n"
      << "spec:\n  address: 127.0.0.1\n  ports: {grpc: " << port << "}\n"
      << "  labels: {app: impostor}\n  serviceAccount: reviews-sa\n";
  auto client = NewMesh("client", "client");
  absl::StatusOr<Echo> reply = absl::UnknownError("not called");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    reply = Call(*client, "impostor");
  } while (absl::StrContains(reply.status().message(), "no healthy upstream") &&
           absl::Now() < deadline);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(MtlsTest, ExpiredOrMissingCertificatesNeverFallBackToPlaintext) {
  MeshOptions options;
  options.service = "client";
  options.identity_dir = Path("nowhere");
  auto missing = Mesh::Create(options);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("meshup ca issue"));

  WriteExpiredIdentity(Path("ca"), Path("expired"), "client-sa");
  options.identity_dir = Path("expired");
  auto expired = Mesh::Create(options);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(expired.status().message(), HasSubstr("cert.pem is expired"));

  std::filesystem::create_directories(dir_ / "broken");
  std::filesystem::copy_file(dir_ / "client" / "key.pem", dir_ / "broken" / "key.pem");
  std::filesystem::copy_file(dir_ / "client" / "root.pem", dir_ / "broken" / "root.pem");
  std::ofstream(dir_ / "broken" / "cert.pem") << "not a certificate";
  options.identity_dir = Path("broken");
  EXPECT_THAT(Mesh::Create(options).status().message(), HasSubstr("holds no PEM certificate"));
}

TEST_F(MtlsTest, RoutedCallsVerifyTheServiceAccountAndHandlersSeeTheCaller) {
  StartServer();
  auto client = NewMesh("client", "client");
  absl::StatusOr<Echo> reply = absl::UnknownError("not called");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    reply = Call(*client, "everything");
  } while (!reply.ok() && absl::Now() < deadline);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "spiffe://cluster.local/ns/default/sa/client-sa");
  // A static address checks the trust domain only.
  absl::StatusOr<Echo> direct = Call(*client, address_);
  ASSERT_TRUE(direct.ok()) << direct.status();
}

TEST_F(MtlsTest, AuthorizationPolicySeesThePrincipal) {
  std::ofstream(dir_ / "config" / "policy.yaml")
      << "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      << "metadata: {name: only-client}\nspec:\n  action: ALLOW\n  rules:\n"
      << "  - from: [{source: {principals: [cluster.local/ns/default/sa/client-sa]}}]\n";
  StartServer();
  Issue("ca", "stranger-sa", "stranger");
  auto client = NewMesh("client", "client");
  auto stranger = NewMesh("stranger", "stranger");
  EXPECT_TRUE(Call(*client, address_).ok());
  absl::StatusOr<Echo> denied = Call(*stranger, address_);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(service_.calls.load(), 1);
}

TEST_F(MtlsTest, RotatingBothSidesThreeTimesFailsNoCall) {
  StartServer();
  auto client_mesh = NewMesh("client", "client");
  auto channel = client_mesh->Connect(address_);
  ASSERT_TRUE(channel.ok());
  Everything::Client client(*channel);
  ASSERT_TRUE(client.Echo(Echo()).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, succeeded{0};
  std::thread load([&] {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!stop && absl::Now() < deadline) (client.Echo(Echo()).ok() ? succeeded : failed)++;
  });
  for (int rotation = 0; rotation < 3; ++rotation) {
    Issue("ca", "everything-sa", "server", absl::Minutes(5));
    Issue("ca", "client-sa", "client", absl::Minutes(5));
    absl::SleepFor(absl::Milliseconds(1500));  // gRPC re-reads the files every second
  }
  stop = true;
  load.join();
  EXPECT_GT(succeeded.load(), 0);
  EXPECT_EQ(failed.load(), 0);
}

TEST_F(MtlsTest, AClientWithoutIdentityCannotCallAStrictServerThroughTheMesh) {
  StartServer();
  auto plaintext = NewMesh("client", "");
  absl::StatusOr<Echo> reply = CallDiscovered(*plaintext, "everything");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_THAT(reply.status().message(), HasSubstr("MeshOptions.identity_dir"));
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(MtlsTest, ADestinationRuleDisablingTlsDoesNotGetPastAStrictServer) {
  WriteConfig("dr.yaml", R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: everything}
spec:
  host: everything
  trafficPolicy: {tls: {mode: DISABLE}}
)");
  StartServer();
  auto client = NewMesh("client", "client");
  EXPECT_EQ(CallDiscovered(*client, "everything").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(MtlsTest, PermissiveServesMtlsToClientsWithIdentityAndPlaintextToOthers) {
  WriteConfig("peer.yaml", R"(apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: everything}
spec:
  selector: {matchLabels: {app: everything}}
  mtls: {mode: PERMISSIVE}
)");
  StartServer();
  auto client = NewMesh("client", "client");
  absl::StatusOr<Echo> authenticated = CallDiscovered(*client, "everything");
  ASSERT_TRUE(authenticated.ok()) << authenticated.status();
  EXPECT_EQ(authenticated->text(), "spiffe://cluster.local/ns/default/sa/client-sa");
  auto plaintext = NewMesh("anonymous", "");
  absl::StatusOr<Echo> anonymous = CallDiscovered(*plaintext, "everything");
  ASSERT_TRUE(anonymous.ok()) << anonymous.status();
  EXPECT_EQ(anonymous->text(), "");
}

TEST_F(MtlsTest, DisableServesPlaintextAndClientsWithIdentityFollow) {
  WriteConfig("peer.yaml", R"(apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: DISABLE}
)");
  StartServer();
  auto client = NewMesh("client", "client");
  absl::StatusOr<Echo> reply = CallDiscovered(*client, "everything");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "") << "a plaintext call has no peer identity";
}

TEST_F(MtlsTest, ADestinationRuleRequiringMtlsNeverFallsBackToPlaintext) {
  WriteConfig("peer.yaml", R"(apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: DISABLE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: everything}
spec:
  host: everything
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
)");
  StartServer();
  auto client = NewMesh("client", "client");
  EXPECT_EQ(CallDiscovered(*client, "everything").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.calls.load(), 0);
}

class GuardedEcho final : public meshup_test::everything::Guarded::Service {
 public:
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    ++calls;
    response = request;
    return absl::OkStatus();
  }
  std::atomic<int> calls{0};
};

TEST_F(MtlsTest, TheIdlsAllowedCallersAreEnforcedBesideTheConfigurationsPolicies) {
  auto server_mesh = NewMesh("guarded", "server");
  GuardedEcho guarded;
  auto server = server_mesh->NewServer();
  ASSERT_TRUE(server->AddService(guarded).ok());
  absl::StatusOr<int> port = server->Start();
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  Issue("ca", "friend", "friend");
  Issue("ca", "stranger", "stranger");
  auto friend_mesh = NewMesh("friend", "friend");
  auto stranger_mesh = NewMesh("stranger", "stranger");
  auto friend_channel = friend_mesh->Connect(address);
  auto stranger_channel = stranger_mesh->Connect(address);
  ASSERT_TRUE(friend_channel.ok() && stranger_channel.ok());
  meshup_test::everything::Guarded::Client friend_client(*friend_channel);
  meshup_test::everything::Guarded::Client stranger_client(*stranger_channel);
  EXPECT_TRUE(friend_client.Echo(Echo()).ok());
  absl::StatusOr<Echo> refused = stranger_client.Echo(Echo());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guarded.calls.load(), 1) << "the stranger's call reached the handler";

  // An ALLOW policy of the configuration is one more way in, as in Istio.
  const std::string allow = R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: let-stranger-in}
spec:
  action: ALLOW
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/stranger"]}
)";
  std::ofstream(dir_ / "config" / ".allow.yaml") << allow;
  std::filesystem::rename(dir_ / "config" / ".allow.yaml", dir_ / "config" / "allow.yaml");
  absl::StatusOr<Echo> let_in = absl::UnknownError("not called");
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       !let_in.ok() && absl::Now() < deadline;) {
    let_in = stranger_client.Echo(Echo());
  }
  EXPECT_TRUE(let_in.ok()) << let_in.status();
  // A DENY wins over both.
  std::ofstream(dir_ / "config" / ".deny.yaml") << R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-friends}
spec:
  action: DENY
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/friend"]}
)";
  std::filesystem::rename(dir_ / "config" / ".deny.yaml", dir_ / "config" / "deny.yaml");
  absl::StatusOr<Echo> denied = Echo();
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       denied.ok() && absl::Now() < deadline;) {
    denied = friend_client.Echo(Echo());
  }
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  server->Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace meshup
