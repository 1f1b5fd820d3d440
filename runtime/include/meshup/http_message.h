// HTTP/1.1 requests and responses as meshup::HttpServer hands them to
// handlers, and the helpers handlers need to read them: query strings and
// application/x-www-form-urlencoded bodies, cookies, percent-encoding.
//
// HttpHeaders keeps header fields in the order added, duplicates included
// (Set-Cookie), and looks names up case-insensitively. The parsers never
// fail: malformed pieces (a pair without '=', a bad %-escape) are read as
// leniently as browsers do, never dropped silently when they can be kept.
// All types are plain values; nothing here is thread-safe beyond that.
#ifndef MESHUP_HTTP_MESSAGE_H_
#define MESHUP_HTTP_MESSAGE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshup {

// Name -> value, ordered by name; lookups take a string_view.
using HttpParams = std::map<std::string, std::string, std::less<>>;

class HttpHeaders {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends a field, keeping any with the same name.
  void Add(std::string name, std::string value);
  // Replaces every field named `name` (any case) by one.
  void Set(std::string name, std::string value);
  // Removes every field named `name` (any case).
  void Remove(absl::string_view name);
  // The first value of `name` (any case), if present.
  std::optional<absl::string_view> Get(absl::string_view name) const;
  // Every value of `name` (any case), in order.
  std::vector<absl::string_view> GetAll(absl::string_view name) const;
  bool Has(absl::string_view name) const { return Get(name).has_value(); }

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

struct HttpRequest {
  // The method as sent, e.g. "GET", "POST".
  std::string method;
  // The path without the query, percent-encoding kept ("/a%20b").
  std::string path;
  // What follows '?', raw; empty when there is none.
  std::string query;
  HttpHeaders headers;
  std::string body;
  // The client's address, "127.0.0.1:53412" ("[::1]:53412" for IPv6).
  std::string peer;

  // The query string's parameters (see ParseUrlEncoded).
  HttpParams QueryParams() const;
  // The body's fields when Content-Type is application/x-www-form-urlencoded;
  // empty otherwise.
  HttpParams FormParams() const;
  // The cookies of every Cookie header (see ParseCookies).
  HttpParams Cookies() const;
};

struct HttpResponse {
  int status = 200;
  // Content-Length, Connection, Transfer-Encoding and Date are the server's:
  // set here, they are replaced.
  HttpHeaders headers;
  std::string body;

  // A response with Content-Type text/plain, text/html or application/json
  // (all charset=utf-8).
  static HttpResponse Text(int status, std::string body);
  static HttpResponse Html(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
  // A redirect (302 Found by default) to `location`, with an empty body.
  static HttpResponse Redirect(std::string location, int status = 302);
};

// Parses "a=1&b=x+y&c=%2F" (a query string or a form body): '+' is a space,
// %XX is decoded, a bad escape is kept as written, a pair without '=' has an
// empty value, empty names are skipped. The first of repeated names wins.
HttpParams ParseUrlEncoded(absl::string_view text);
// Parses a Cookie header, "a=1; b=\"two\"": names and values trimmed, one
// pair of double quotes around a value removed, no other decoding. The first
// of repeated names wins.
HttpParams ParseCookies(absl::string_view header);
// Percent-decodes `text`; '+' becomes a space when `plus_is_space`.
std::string UrlDecode(absl::string_view text, bool plus_is_space = true);
// Percent-encodes everything but ALPHA, DIGIT and "-._~" (RFC 3986
// unreserved), e.g. for a cookie value or a query parameter.
std::string UrlEncode(absl::string_view text);

}  // namespace meshup

#endif  // MESHUP_HTTP_MESSAGE_H_
