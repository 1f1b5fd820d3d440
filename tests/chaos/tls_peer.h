// A TLS connection to a workload made as a mesh peer makes it: with the
// client certificate of an identity directory (cert.pem, key.pem, root.pem),
// verifying the server against root.pem, offering ALPN "h2". Chaos tests use
// it to see which certificate a replica presents now, and to speak raw (and
// malformed) HTTP/2 past the mTLS handshake. The first Connect() makes the
// process ignore SIGPIPE, so that writing to a peer that hung up is an error,
// not the end of the test.
#ifndef MESHUP_TESTS_CHAOS_TLS_PEER_H_
#define MESHUP_TESTS_CHAOS_TLS_PEER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshup::chaos {

class TlsPeer {
 public:
  // Connects to 127.0.0.1:`port` and completes the handshake within `timeout`.
  static absl::StatusOr<std::unique_ptr<TlsPeer>> Connect(int port, const std::string& identity_dir,
                                                          absl::Duration timeout);
  ~TlsPeer();
  TlsPeer(const TlsPeer&) = delete;
  TlsPeer& operator=(const TlsPeer&) = delete;

  // The serial number (hex) of the certificate the server presented.
  std::string PeerSerial() const;
  // Writes all of `bytes`; false once the connection is gone.
  bool Write(absl::string_view bytes);
  // Reads whatever comes for up to `timeout`, until the peer closes; returns
  // how many bytes came.
  size_t Drain(absl::Duration timeout);
  // Reads what came, waiting up to `timeout` for the first bytes; returns
  // how many bytes came (0: none in time, or the peer closed).
  size_t ReadSome(absl::Duration timeout);

 private:
  TlsPeer() = default;
  struct State;
  std::unique_ptr<State> state_;
};

// The serial number (hex) of the first certificate in a PEM file.
absl::StatusOr<std::string> CertificateSerial(const std::string& pem_path);

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_TLS_PEER_H_
