// Bytes of one HTTP/1.x connection -> requests, on http-parser, with the
// server's limits. No I/O: the connection feeds what it reads and gets the
// complete requests, in order, and at most one error.
//
// After an error (400 malformed, 413 body too large, 431 headers too large,
// 505 unsupported version; whitespace between a header's name and its colon
// is malformed, RFC 9112 section 5.1) or after a request that ends the connection (no
// keep-alive, or an Upgrade/CONNECT request, which is answered as a plain
// request), the parser stops and ignores further bytes. Not thread-safe.
#ifndef MESHUP_SRC_HTTP_REQUEST_PARSER_H_
#define MESHUP_SRC_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "http_parser.h"
#include "meshup/http_message.h"

namespace meshup::internal {

struct ParsedRequest {
  HttpRequest request;
  // False: answer with "Connection: close" and close after the answer.
  bool keep_alive = true;
  // HTTP/1.0 request that asked for keep-alive: the answer says so.
  bool http10 = false;
};

class RequestParser {
 public:
  enum class State {
    kIdle,     // between requests
    kHeaders,  // a request started; its headers are incomplete
    kBody,     // headers complete; reading the body
    kStopped,  // stopped: see above
  };

  RequestParser(size_t max_header_bytes, size_t max_body_bytes);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `data`; appends the requests it completes to `out`, at most
  // `max_requests` of them: it pauses after that many. Returns the bytes
  // consumed (all of `data` unless it paused); the caller feeds the rest
  // again later.
  size_t Feed(absl::string_view data, std::vector<ParsedRequest>& out,
              size_t max_requests = SIZE_MAX);

  State state() const { return state_; }
  // The status to answer with after an error; 0 when there was none.
  int error_status() const { return error_status_; }
  // True once per request whose headers asked "Expect: 100-continue" and
  // whose body is now awaited.
  bool TakeContinueRequest();
  // How many requests have begun so far: a change tells a new request's
  // first byte (which starts its header timeout).
  uint64_t requests_begun() const { return requests_begun_; }

 private:
  static int OnMessageBegin(http_parser* parser);
  static int OnUrl(http_parser* parser, const char* data, size_t size);
  static int OnHeaderField(http_parser* parser, const char* data, size_t size);
  static int OnHeaderValue(http_parser* parser, const char* data, size_t size);
  static int OnHeadersComplete(http_parser* parser);
  static int OnBody(http_parser* parser, const char* data, size_t size);
  static int OnMessageComplete(http_parser* parser);

  // Counts header bytes; false (and the 431 error) beyond the limit.
  bool CountHeaderBytes(size_t size);
  void CommitHeader();
  int Fail(int status);

  const size_t max_header_bytes_;
  const size_t max_body_bytes_;
  http_parser parser_;
  State state_ = State::kIdle;
  int error_status_ = 0;
  bool continue_requested_ = false;
  uint64_t requests_begun_ = 0;

  // The request being parsed.
  ParsedRequest current_;
  std::string url_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  size_t header_bytes_ = 0;
  std::vector<ParsedRequest>* out_ = nullptr;
  size_t pause_at_ = 0;  // out_->size() at which to pause
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_REQUEST_PARSER_H_
