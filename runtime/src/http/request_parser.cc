#include "http/request_parser.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

// http-parser's own limit on a request line plus headers.
constexpr size_t kHttpParserMaxHeaderBytes = 80 * 1024;

const http_parser_settings& Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    return s;
  }();
  return settings;
}

}  // namespace

RequestParser::RequestParser(size_t max_header_bytes, size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

size_t RequestParser::Feed(absl::string_view data, std::vector<ParsedRequest>& out,
                           size_t max_requests) {
  if (state_ == State::kStopped) return data.size();
  if (data.empty() || max_requests == 0) return 0;
  static const http_parser_settings settings = [] {
    http_parser_settings s = Settings();
    s.on_message_begin = &RequestParser::OnMessageBegin;
    s.on_url = &RequestParser::OnUrl;
    s.on_header_field = &RequestParser::OnHeaderField;
    s.on_header_value = &RequestParser::OnHeaderValue;
    s.on_headers_complete = &RequestParser::OnHeadersComplete;
    s.on_body = &RequestParser::OnBody;
    s.on_message_complete = &RequestParser::OnMessageComplete;
    return s;
  }();
  out_ = &out;
  pause_at_ = max_requests > SIZE_MAX - out.size() ? SIZE_MAX : out.size() + max_requests;
  size_t used = http_parser_execute(&parser_, &settings, data.data(), data.size());
  out_ = nullptr;
  const auto error = HTTP_PARSER_ERRNO(&parser_);
  if (error == HPE_PAUSED) {
    http_parser_pause(&parser_, 0);
    if (parser_.upgrade) state_ = State::kStopped;
  } else if (error != HPE_OK) {
    // Our callbacks stop the parser on purpose after a final request or an
    // error of our own; anything else is malformed input.
    if (state_ != State::kStopped) {
      error_status_ = error == HPE_HEADER_OVERFLOW ? 431 : 400;
      state_ = State::kStopped;
    }
  } else if (parser_.upgrade) {
    // What follows an Upgrade or CONNECT request is not HTTP/1.x.
    state_ = State::kStopped;
  }
  if (state_ == State::kStopped) used = data.size();  // the rest is ignored
  return used;
}

bool RequestParser::TakeContinueRequest() {
  const bool requested = continue_requested_ && state_ == State::kBody;
  continue_requested_ = false;
  return requested;
}

int RequestParser::Fail(int status) {
  error_status_ = status;
  state_ = State::kStopped;
  return -1;
}

bool RequestParser::CountHeaderBytes(size_t size) {
  header_bytes_ += size;
  const size_t limit = std::min(max_header_bytes_, kHttpParserMaxHeaderBytes);
  if (header_bytes_ <= limit) return true;
  Fail(431);
  return false;
}

void RequestParser::CommitHeader() {
  if (!in_value_ && field_.empty()) return;
  current_.request.headers.Add(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  in_value_ = false;
}

int RequestParser::OnMessageBegin(http_parser* parser) {
  auto* self = static_cast<RequestParser*>(parser->data);
  if (self->state_ == State::kStopped) return -1;
  self->current_ = ParsedRequest();
  self->url_.clear();
  self->field_.clear();
  self->value_.clear();
  self->in_value_ = false;
  self->header_bytes_ = 0;
  self->continue_requested_ = false;
  self->state_ = State::kHeaders;
  ++self->requests_begun_;
  return 0;
}

int RequestParser::OnUrl(http_parser* parser, const char* data, size_t size) {
  auto* self = static_cast<RequestParser*>(parser->data);
  if (!self->CountHeaderBytes(size)) return -1;
  self->url_.append(data, size);
  return 0;
}

int RequestParser::OnHeaderField(http_parser* parser, const char* data, size_t size) {
  auto* self = static_cast<RequestParser*>(parser->data);
  // http-parser takes a space as part of the name; RFC 9112 section 5.1
  // says to reject it ("Host : x").
  if (absl::string_view(data, size).find_first_of(" \t") != absl::string_view::npos) {
    return self->Fail(400);
  }
  // ": " and CRLF around each field count too.
  if (!self->CountHeaderBytes(size + (self->in_value_ || self->field_.empty() ? 4 : 0))) return -1;
  if (self->in_value_) self->CommitHeader();
  self->field_.append(data, size);
  return 0;
}

int RequestParser::OnHeaderValue(http_parser* parser, const char* data, size_t size) {
  auto* self = static_cast<RequestParser*>(parser->data);
  if (!self->CountHeaderBytes(size)) return -1;
  self->in_value_ = true;
  self->value_.append(data, size);
  return 0;
}

int RequestParser::OnHeadersComplete(http_parser* parser) {
  auto* self = static_cast<RequestParser*>(parser->data);
  self->CommitHeader();
  HttpRequest& request = self->current_.request;
  if (parser->http_major != 1) return self->Fail(505);
  request.method = http_method_str(static_cast<http_method>(parser->method));
  if (self->url_ == "*") {
    request.path = "*";  // OPTIONS *
  } else {
    http_parser_url url;
    http_parser_url_init(&url);
    if (http_parser_parse_url(self->url_.data(), self->url_.size(), parser->method == HTTP_CONNECT,
                              &url) != 0) {
      return self->Fail(400);
    }
    if (url.field_set & (1 << UF_PATH)) {
      request.path = self->url_.substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
    } else {
      request.path = "/";
    }
    if (url.field_set & (1 << UF_QUERY)) {
      request.query = self->url_.substr(url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len);
    }
  }
  const bool chunked = (parser->flags & F_CHUNKED) != 0;
  if (!chunked && parser->content_length != ULLONG_MAX &&
      parser->content_length > self->max_body_bytes_) {
    return self->Fail(413);
  }
  std::optional<absl::string_view> expect = request.headers.Get("Expect");
  self->continue_requested_ = expect && absl::EqualsIgnoreCase(*expect, "100-continue");
  self->state_ = State::kBody;
  return 0;
}

int RequestParser::OnBody(http_parser* parser, const char* data, size_t size) {
  auto* self = static_cast<RequestParser*>(parser->data);
  std::string& body = self->current_.request.body;
  if (size > self->max_body_bytes_ - body.size()) return self->Fail(413);
  body.append(data, size);
  return 0;
}

int RequestParser::OnMessageComplete(http_parser* parser) {
  auto* self = static_cast<RequestParser*>(parser->data);
  ParsedRequest& current = self->current_;
  current.http10 = parser->http_major == 1 && parser->http_minor == 0;
  current.keep_alive = http_should_keep_alive(parser) != 0 && parser->upgrade == 0;
  const bool keep_alive = current.keep_alive;
  self->continue_requested_ = false;
  self->out_->push_back(std::move(current));
  self->current_ = ParsedRequest();
  self->state_ = keep_alive ? State::kIdle : State::kStopped;
  if (keep_alive && self->out_->size() >= self->pause_at_) http_parser_pause(parser, 1);
  return 0;
}

}  // namespace meshup::internal
