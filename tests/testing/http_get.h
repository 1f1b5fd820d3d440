// A blocking HTTP GET for tests, through libcurl, bounded by a timeout.
#ifndef MESHUP_TESTS_TESTING_HTTP_GET_H_
#define MESHUP_TESTS_TESTING_HTTP_GET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::testing {

struct HttpAnswer {
  long status = 0;
  std::string body;
};

// GETs `url`; an error only when no answer came (any status is an answer).
// `headers` are "Name: value" lines.
absl::StatusOr<HttpAnswer> HttpGet(const std::string& url,
                                   absl::Duration timeout = absl::Seconds(10),
                                   const std::vector<std::string>& headers = {});

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_HTTP_GET_H_
