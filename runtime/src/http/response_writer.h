// HttpResponse -> the bytes of an HTTP/1.1 answer.
//
// The server owns the framing headers: Content-Length (always, also for
// HEAD), Connection (close, or keep-alive for an HTTP/1.0 client that asked
// for it) and Date; a handler's own values for them, and for
// Transfer-Encoding, are dropped. A header name that is not an RFC 9110
// token, a value with CR, LF or NUL (header injection), or a field whose
// name and value together exceed `max_field_bytes` (a cookie echoing user
// input) turns the answer into a plain 500. 1xx, 204 and 304 answers carry no body.
#ifndef MESHUP_SRC_HTTP_RESPONSE_WRITER_H_
#define MESHUP_SRC_HTTP_RESPONSE_WRITER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshup/http_message.h"

namespace meshup::internal {

struct ResponseFraming {
  bool head = false;                   // answer to HEAD: headers only
  bool close = false;                  // Connection: close
  bool keep_alive_10 = false;          // Connection: keep-alive (HTTP/1.0 client)
  absl::Time now = absl::UnixEpoch();  // for the Date header
  size_t max_field_bytes = 8 * 1024;   // one header field, name and value
};

std::string SerializeResponse(const HttpResponse& response, const ResponseFraming& framing);
// The reason phrase of `status` ("Not Found"); "Unknown" for others.
absl::string_view ReasonPhrase(int status);
// A plain-text answer with the reason phrase as its body, e.g. for 404.
HttpResponse StatusResponse(int status);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_RESPONSE_WRITER_H_
