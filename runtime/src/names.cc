#include "names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

}  // namespace

bool IsDns1123Label(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return name.front() != '-' && name.back() != '-';
}

bool IsLabelValue(absl::string_view value) {
  if (value.empty()) return true;
  if (value.size() > 63 || !IsAlnum(value.front()) || !IsAlnum(value.back())) return false;
  for (char c : value) {
    if (!(IsAlnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

absl::Status ValidateHostPort(absl::string_view target) {
  size_t colon = target.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("target '", target, "' has no port: expected host:port"));
  }
  absl::string_view host = target.substr(0, colon);
  absl::string_view port_text = target.substr(colon + 1);
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("target '", target, "' has no host: expected host:port"));
  }
  if (host.find(':') != absl::string_view::npos && !(host.front() == '[' && host.back() == ']')) {
    return absl::InvalidArgumentError(
        absl::StrCat("target '", target, "': an IPv6 host must be in brackets, e.g. [::1]:8080"));
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("target '", target, "' has port '", port_text, "': expected 1 to 65535"));
  }
  return absl::OkStatus();
}

absl::Status ValidateHeader(absl::string_view name, absl::string_view value) {
  if (name.empty()) return absl::InvalidArgumentError("a header name is empty");
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header name '", name, "' must be lowercase letters, digits, '-', '_' or '.'"));
    }
  }
  if (absl::StartsWith(name, "grpc-")) {
    return absl::InvalidArgumentError(absl::StrCat("header name '", name, "' is reserved by gRPC"));
  }
  if (absl::EndsWith(name, "-bin")) return absl::OkStatus();
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the value of header '", name,
          "' has a character that is not printable ASCII; binary values need a name ending "
          "in -bin"));
    }
  }
  return absl::OkStatus();
}

}  // namespace meshup::internal
