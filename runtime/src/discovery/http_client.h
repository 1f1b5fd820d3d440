// Outbound HTTP/1.1 for the runtime's control traffic (the etcd gateway),
// through libcurl. Blocking; call from a runtime thread, never from an RPC
// thread or the loop thread.
#ifndef MESHUP_SRC_DISCOVERY_HTTP_CLIENT_H_
#define MESHUP_SRC_DISCOVERY_HTTP_CLIENT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::internal {

// POSTs `body` as JSON to `url`; returns the response body of a 2xx answer,
// UNAVAILABLE (naming the URL) when the server cannot be reached or answers
// otherwise.
absl::StatusOr<std::string> PostJson(const std::string& url, const std::string& body,
                                     absl::Duration timeout);

// An answer to a GET: any HTTP status.
struct HttpGetResult {
  long status = 0;
  std::string body;
};

// GETs `url` (no proxy); UNAVAILABLE, naming the URL, only when no answer
// came within `timeout`.
// `headers` are "Name: value" lines.
absl::StatusOr<HttpGetResult> HttpGet(const std::string& url, absl::Duration timeout,
                                      const std::vector<std::string>& headers = {});
// Any method; a non-empty `body` is sent as JSON.
absl::StatusOr<HttpGetResult> HttpRequest(const std::string& method, const std::string& url,
                                          const std::string& body, absl::Duration timeout,
                                          std::vector<std::string> headers = {});

// POSTs `body` and hands each piece of the (chunked, endless) response to
// `on_data` as it arrives, until the server closes, `keep_going` returns
// false (checked at least every 100 ms), or an error. Returns why it ended.
absl::Status StreamPostJson(const std::string& url, const std::string& body,
                            const std::function<void(const std::string&)>& on_data,
                            const std::function<bool()>& keep_going,
                            absl::Duration connect_timeout);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_DISCOVERY_HTTP_CLIENT_H_
