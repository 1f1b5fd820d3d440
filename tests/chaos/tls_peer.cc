#include "tls_peer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace meshup::chaos {
namespace {

std::string OpenSslError(const std::string& what) {
  char text[256] = "";
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  return absl::StrCat(what, ": ", text);
}

std::string SerialOf(X509* certificate) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nullptr);
  char* hex = BN_bn2hex(number);
  std::string serial = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return serial;
}

// Waits until `fd` is ready for what `ssl_result` asked; false on timeout.
bool WaitFor(SSL* ssl, int fd, int ssl_result, absl::Time deadline) {
  const int error = SSL_get_error(ssl, ssl_result);
  if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return false;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return false;
  pollfd poll_fd = {fd, static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
  return poll(&poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) > 0;
}

}  // namespace

struct TlsPeer::State {
  SSL_CTX* context = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  ~State() {
    if (ssl != nullptr) SSL_free(ssl);
    if (context != nullptr) SSL_CTX_free(context);
    if (fd >= 0) close(fd);
  }
};

absl::StatusOr<std::unique_ptr<TlsPeer>> TlsPeer::Connect(int port,
                                                          const std::string& identity_dir,
                                                          absl::Duration timeout) {
  // OpenSSL writes with write(2): a peer that hung up must not kill the test.
  static const bool ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignored;
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_ptr<TlsPeer> peer(new TlsPeer());
  peer->state_ = std::make_unique<State>();
  State& state = *peer->state_;
  state.context = SSL_CTX_new(TLS_client_method());
  if (state.context == nullptr) return absl::InternalError(OpenSslError("SSL_CTX_new"));
  const std::string cert = identity_dir + "/cert.pem", key = identity_dir + "/key.pem",
                    root = identity_dir + "/root.pem";
  if (SSL_CTX_use_certificate_chain_file(state.context, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(state.context, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(state.context, root.c_str(), nullptr) != 1) {
    return absl::InternalError(OpenSslError("loading " + identity_dir));
  }
  SSL_CTX_set_verify(state.context, SSL_VERIFY_PEER, nullptr);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(state.context, kAlpn, sizeof(kAlpn));

  state.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (state.fd < 0 ||
      connect(state.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(absl::StrCat("connect to port ", port, " failed"));
  }
  fcntl(state.fd, F_SETFL, fcntl(state.fd, F_GETFL) | O_NONBLOCK);
  state.ssl = SSL_new(state.context);
  SSL_set_fd(state.ssl, state.fd);
  while (true) {
    const int result = SSL_connect(state.ssl);
    if (result == 1) break;
    if (!WaitFor(state.ssl, state.fd, result, deadline)) {
      return absl::UnavailableError(OpenSslError(absl::StrCat("TLS handshake with port ", port)));
    }
  }
  return peer;
}

TlsPeer::~TlsPeer() = default;

std::string TlsPeer::PeerSerial() const {
  X509* certificate = SSL_get1_peer_certificate(state_->ssl);
  if (certificate == nullptr) return "";
  std::string serial = SerialOf(certificate);
  X509_free(certificate);
  return serial;
}

bool TlsPeer::Write(absl::string_view bytes) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!bytes.empty()) {
    const int written = SSL_write(state_->ssl, bytes.data(), static_cast<int>(bytes.size()));
    if (written > 0) {
      bytes.remove_prefix(static_cast<size_t>(written));
    } else if (!WaitFor(state_->ssl, state_->fd, written, deadline)) {
      return false;
    }
  }
  return true;
}

size_t TlsPeer::Drain(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t total = 0;
  char buffer[16384];
  while (true) {
    const int read = SSL_read(state_->ssl, buffer, sizeof(buffer));
    if (read > 0) {
      total += static_cast<size_t>(read);
    } else if (!WaitFor(state_->ssl, state_->fd, read, deadline)) {
      return total;
    }
  }
}

size_t TlsPeer::ReadSome(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[16384];
  while (true) {
    const int read = SSL_read(state_->ssl, buffer, sizeof(buffer));
    if (read > 0) return static_cast<size_t>(read) + Drain(absl::ZeroDuration());
    if (!WaitFor(state_->ssl, state_->fd, read, deadline)) return 0;
  }
}

absl::StatusOr<std::string> CertificateSerial(const std::string& pem_path) {
  BIO* file = BIO_new_file(pem_path.c_str(), "r");
  if (file == nullptr) return absl::NotFoundError(pem_path);
  X509* certificate = PEM_read_bio_X509(file, nullptr, nullptr, nullptr);
  BIO_free(file);
  if (certificate == nullptr) return absl::InvalidArgumentError(OpenSslError(pem_path));
  std::string serial = SerialOf(certificate);
  X509_free(certificate);
  return serial;
}

}  // namespace meshup::chaos
