#include "http/response_writer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

bool IsToken(absl::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) continue;
    if (!absl::StrContains("!#$%&'*+-.^_`|~", c)) return false;
  }
  return true;
}

bool IsFieldValue(absl::string_view value) {
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IsFramingHeader(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "Content-Length") ||
         absl::EqualsIgnoreCase(name, "Connection") ||
         absl::EqualsIgnoreCase(name, "Transfer-Encoding") || absl::EqualsIgnoreCase(name, "Date");
}

bool HasBody(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

HttpResponse StatusResponse(int status) {
  return HttpResponse::Text(status, absl::StrCat(ReasonPhrase(status), "\n"));
}

std::string SerializeResponse(const HttpResponse& response, const ResponseFraming& framing) {
  bool valid = response.status >= 100 && response.status <= 999;
  for (const auto& [name, value] : response.headers.fields()) {
    valid = valid && IsToken(name) && IsFieldValue(value) &&
            name.size() + value.size() <= framing.max_field_bytes;
  }
  if (!valid) return SerializeResponse(StatusResponse(500), framing);

  const bool has_body = HasBody(response.status);
  std::string out = absl::StrCat(
      "HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
      "\r\nDate: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", framing.now, absl::UTCTimeZone()),
      "\r\n");
  for (const auto& [name, value] : response.headers.fields()) {
    if (IsFramingHeader(name)) continue;
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (has_body) absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\n");
  if (framing.close) {
    absl::StrAppend(&out, "Connection: close\r\n");
  } else if (framing.keep_alive_10) {
    absl::StrAppend(&out, "Connection: keep-alive\r\n");
  }
  absl::StrAppend(&out, "\r\n");
  if (has_body && !framing.head) absl::StrAppend(&out, response.body);
  return out;
}

}  // namespace meshup::internal
