// Test helper: a blocking HTTP client on a raw loopback socket, so that
// tests can send exactly the bytes they want (pipelined, partial, broken)
// and read answers with http-parser. Every read is bounded by a timeout.
#ifndef MESHUP_TESTS_RUNTIME_HTTP_RAW_CLIENT_H_
#define MESHUP_TESTS_RUNTIME_HTTP_RAW_CLIENT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshup::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:`port`.
  static absl::StatusOr<RawClient> Connect(int port);
  RawClient(RawClient&& other) noexcept;
  RawClient& operator=(RawClient&&) = delete;
  ~RawClient();

  absl::Status Send(absl::string_view bytes);
  // Reads one answer; `head` for the answer to a HEAD request.
  absl::StatusOr<RawResponse> Read(absl::Duration timeout = absl::Seconds(10), bool head = false);
  // True when the server closes the connection within `timeout` (unread
  // answers are skipped).
  bool WaitForClose(absl::Duration timeout);
  // Shuts down the sending side (the server sees end of input).
  void ShutdownWrite();

 private:
  explicit RawClient(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;  // read and not yet parsed
};

// One request on a fresh connection: "GET /path HTTP/1.1" with Host and
// Connection: close, plus `extra` header lines ("Name: value\r\n") and body.
absl::StatusOr<RawResponse> Fetch(int port, absl::string_view method, absl::string_view target,
                                  absl::string_view extra_headers = "",
                                  absl::string_view body = "");

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_RUNTIME_HTTP_RAW_CLIENT_H_
