#include "meshup/http_message.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshup {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpResponse WithContentType(int status, std::string body, const char* type) {
  HttpResponse response;
  response.status = status;
  response.headers.Set("Content-Type", type);
  response.body = std::move(body);
  return response;
}

}  // namespace

void HttpHeaders::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void HttpHeaders::Remove(absl::string_view name) {
  fields_.erase(
      std::remove_if(fields_.begin(), fields_.end(),
                     [&](const Field& field) { return absl::EqualsIgnoreCase(field.first, name); }),
      fields_.end());
}

std::optional<absl::string_view> HttpHeaders::Get(absl::string_view name) const {
  for (const Field& field : fields_) {
    if (absl::EqualsIgnoreCase(field.first, name)) return absl::string_view(field.second);
  }
  return std::nullopt;
}

std::vector<absl::string_view> HttpHeaders::GetAll(absl::string_view name) const {
  std::vector<absl::string_view> values;
  for (const Field& field : fields_) {
    if (absl::EqualsIgnoreCase(field.first, name)) values.push_back(field.second);
  }
  return values;
}

HttpParams HttpRequest::QueryParams() const { return ParseUrlEncoded(query); }

HttpParams HttpRequest::FormParams() const {
  std::optional<absl::string_view> type = headers.Get("Content-Type");
  if (!type) return {};
  absl::string_view media = absl::StripAsciiWhitespace(type->substr(0, type->find(';')));
  if (!absl::EqualsIgnoreCase(media, "application/x-www-form-urlencoded")) return {};
  return ParseUrlEncoded(body);
}

HttpParams HttpRequest::Cookies() const {
  HttpParams cookies;
  for (absl::string_view header : headers.GetAll("Cookie")) {
    for (auto& [name, value] : ParseCookies(header)) cookies.emplace(name, std::move(value));
  }
  return cookies;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  return WithContentType(status, std::move(body), "text/plain; charset=utf-8");
}

HttpResponse HttpResponse::Html(int status, std::string body) {
  return WithContentType(status, std::move(body), "text/html; charset=utf-8");
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  return WithContentType(status, std::move(body), "application/json; charset=utf-8");
}

HttpResponse HttpResponse::Redirect(std::string location, int status) {
  HttpResponse response;
  response.status = status;
  response.headers.Set("Location", std::move(location));
  return response;
}

HttpParams ParseUrlEncoded(absl::string_view text) {
  HttpParams params;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    std::string name = UrlDecode(pair.substr(0, equals));
    if (name.empty()) continue;
    std::string value =
        equals == absl::string_view::npos ? std::string() : UrlDecode(pair.substr(equals + 1));
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

HttpParams ParseCookies(absl::string_view header) {
  HttpParams cookies;
  for (absl::string_view pair : absl::StrSplit(header, ';', absl::SkipWhitespace())) {
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;
    absl::string_view name = absl::StripAsciiWhitespace(pair.substr(0, equals));
    absl::string_view value = absl::StripAsciiWhitespace(pair.substr(equals + 1));
    if (name.empty()) continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    cookies.emplace(std::string(name), std::string(value));
  }
  return cookies;
}

std::string UrlDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

}  // namespace meshup
