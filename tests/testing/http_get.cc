#include "http_get.h"

#include "discovery/http_client.h"

namespace meshup::testing {

absl::StatusOr<HttpAnswer> HttpGet(const std::string& url, absl::Duration timeout,
                                   const std::vector<std::string>& headers) {
  absl::StatusOr<internal::HttpGetResult> result = internal::HttpGet(url, timeout, headers);
  if (!result.ok()) return result.status();
  return HttpAnswer{result->status, std::move(result->body)};
}

}  // namespace meshup::testing
