#include "codegen/view_model.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "meshup/options.pb.h"

namespace meshup::codegen {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// Istio's retryOn names for gRPC codes, and the absl::StatusCode enumerators.
constexpr std::pair<absl::string_view, absl::string_view> kRetryCodes[] = {
    {"cancelled", "kCancelled"},     {"deadline-exceeded", "kDeadlineExceeded"},
    {"internal", "kInternal"},       {"resource-exhausted", "kResourceExhausted"},
    {"unavailable", "kUnavailable"},
};

std::vector<std::string> CommentLines(const std::string& comment) {
  std::vector<std::string> lines = absl::StrSplit(comment, '\n');
  // A leading comment ends with a newline: drop the empty last line, and any
  // trailing empty lines.
  while (!lines.empty() && absl::StripAsciiWhitespace(lines.back()).empty()) lines.pop_back();
  for (std::string& line : lines) {
    // A backslash at the end of a // comment would splice the next line of
    // generated code into the comment.
    while (!line.empty() && (line.back() == '\\' || absl::ascii_isspace(line.back()))) {
      line.pop_back();
    }
  }
  return lines;
}

template <class Descriptor>
std::vector<std::string> LeadingComments(const Descriptor& descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor.GetSourceLocation(&location)) return {};
  return CommentLines(location.leading_comments);
}

// Parses an IDL duration ("250ms", "1.5s", "1m"): positive and finite.
absl::StatusOr<absl::Duration> ParseIdlDuration(absl::string_view text, absl::string_view where) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", text,
                     "' is not a positive duration (examples: \"250ms\", \"1.5s\", \"1m\")"));
  }
  return duration;
}

bool IsDns1123Label(absl::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<MethodView> BuildMethodView(const MethodDescriptor& method,
                                           absl::string_view where_service) {
  MethodView view;
  view.name = method.name();
  view.path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  view.request_type = CppTypeName(*method.input_type());
  view.response_type = CppTypeName(*method.output_type());
  view.client_streaming = method.client_streaming();
  view.server_streaming = method.server_streaming();
  view.comments = LeadingComments(method);

  const std::string where = absl::StrCat(where_service, ", method ", method.name());
  const meshup::MethodOptions& options = method.options().GetExtension(meshup::method);
  view.idempotent = options.idempotent();
  view.non_blocking = options.non_blocking();
  if (view.non_blocking && (view.client_streaming || view.server_streaming)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": option (meshup.method).non_blocking is set on a streaming method; "
                            "only unary handlers can be non-blocking"));
  }
  if (!options.timeout().empty()) {
    absl::StatusOr<absl::Duration> timeout = ParseIdlDuration(
        options.timeout(), absl::StrCat(where, ": option (meshup.method).timeout"));
    if (!timeout.ok()) return timeout.status();
    view.timeout = *timeout;
  }
  if (options.has_retry()) {
    const meshup::RetryOptions& retry = options.retry();
    view.retry_attempts = static_cast<int>(retry.attempts());
    if (retry.attempts() > 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": option (meshup.method).retry.attempts is ", retry.attempts(),
                       "; at most 10 attempts are allowed"));
    }
    if (!retry.per_try_timeout().empty()) {
      absl::StatusOr<absl::Duration> per_try =
          ParseIdlDuration(retry.per_try_timeout(),
                           absl::StrCat(where, ": option (meshup.method).retry.per_try_timeout"));
      if (!per_try.ok()) return per_try.status();
      view.retry_per_try_timeout = *per_try;
    }
    for (const std::string& code : retry.retry_on()) {
      absl::string_view enumerator;
      for (const auto& [name, absl_name] : kRetryCodes) {
        if (code == name) enumerator = absl_name;
      }
      if (enumerator.empty()) {
        std::vector<absl::string_view> known;
        for (const auto& entry : kRetryCodes) known.push_back(entry.first);
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": option (meshup.method).retry.retry_on has '", code,
                         "'; expected one of ", absl::StrJoin(known, ", ")));
      }
      view.retry_on.emplace_back(enumerator);
    }
    if (view.retry_attempts > 1 && !view.idempotent) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": option (meshup.method).retry asks for ", view.retry_attempts,
          " attempts but the method is not idempotent; set idempotent: true, or drop the retry"));
    }
  }
  if (options.has_http()) {
    const meshup::HttpRule& http = options.http();
    switch (http.pattern_case()) {
      case meshup::HttpRule::kGet:
        view.http_verb = "GET", view.http_path = http.get();
        break;
      case meshup::HttpRule::kPut:
        view.http_verb = "PUT", view.http_path = http.put();
        break;
      case meshup::HttpRule::kPost:
        view.http_verb = "POST", view.http_path = http.post();
        break;
      case meshup::HttpRule::kDelete:
        view.http_verb = "DELETE", view.http_path = http.delete_();
        break;
      case meshup::HttpRule::kPatch:
        view.http_verb = "PATCH", view.http_path = http.patch();
        break;
      case meshup::HttpRule::PATTERN_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat(where,
                         ": option (meshup.method).http sets no verb (get, put, post, "
                         "delete or patch)"));
    }
    if (view.http_path.empty() || view.http_path.front() != '/') {
      return absl::InvalidArgumentError(absl::StrCat(where, ": option (meshup.method).http path '",
                                                     view.http_path, "' must start with '/'"));
    }
    view.http_body = http.body();
  }
  return view;
}

absl::StatusOr<ServiceView> BuildServiceView(const ServiceDescriptor& service,
                                             absl::string_view proto_path) {
  ServiceView view;
  view.name = service.name();
  view.full_name = service.full_name();
  view.comments = LeadingComments(service);
  const std::string where = absl::StrCat(proto_path, ": service ", service.name());
  const meshup::ServiceOptions& options = service.options().GetExtension(meshup::service);
  view.mesh_name = options.name().empty() ? absl::AsciiStrToLower(service.name()) : options.name();
  if (!IsDns1123Label(view.mesh_name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": mesh name '", view.mesh_name,
                     "' is not a DNS-1123 label (lowercase letters, digits and '-'); set option "
                     "(meshup.service).name"));
  }
  if (options.port() > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": option (meshup.service).port is ",
                                                   options.port(), "; expected 0 to 65535"));
  }
  view.port = options.port();
  view.service_account =
      options.service_account().empty() ? view.mesh_name : options.service_account();
  if (!IsDns1123Label(view.service_account)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": option (meshup.service).service_account '", view.service_account,
                     "' is not a DNS-1123 label"));
  }
  for (const std::string& caller : options.allowed_callers()) {
    std::vector<std::string> parts = absl::StrSplit(caller, '/');
    ServiceView::Caller parsed;
    if (parts.size() == 2) {
      parsed = {parts[0], parts[1]};
    } else {
      parsed.service_account = caller;
    }
    if (parts.size() > 2 || (parts.size() == 2 && !IsDns1123Label(parsed.namespace_name)) ||
        !IsDns1123Label(parsed.service_account)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": option (meshup.service).allowed_callers has '", caller,
                       "'; expected a service account (a DNS-1123 label) or "
                       "\"<namespace>/<service account>\""));
    }
    view.allowed_callers.push_back(std::move(parsed));
  }
  if (view.name == "Client" || view.name == "Service" || view.name == "Info") {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": a service may not be named ", view.name,
                     ": the generated class has a member of that name; rename the service"));
  }
  for (int i = 0; i < service.method_count(); ++i) {
    absl::StatusOr<MethodView> method = BuildMethodView(*service.method(i), where);
    if (!method.ok()) return method.status();
    view.methods.push_back(*std::move(method));
  }
  // Generated names a method must not take: the classes' own members, and
  // the Async twin of another unary method.
  for (const MethodView& method : view.methods) {
    if (method.name == "Client" || method.name == "Service" || method.name == "Info" ||
        method.name == view.name) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ", method ", method.name, ": the generated ", view.name,
                       " already has a member of that name; rename the method"));
    }
    for (const MethodView& other : view.methods) {
      if (!other.client_streaming && !other.server_streaming &&
          method.name == absl::StrCat(other.name, "Async")) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ", method ", method.name, ": clashes with the asynchronous form of method ",
            other.name, "; rename one of them"));
      }
    }
  }
  return view;
}

}  // namespace

std::string CppTypeName(const google::protobuf::Descriptor& message) {
  // Nested messages are flattened by protoc's C++ generator: Outer.Inner is
  // Outer_Inner in the package's namespace.
  absl::string_view package = message.file()->package();
  absl::string_view relative = message.full_name();
  if (!package.empty()) relative.remove_prefix(package.size() + 1);
  return absl::StrCat("::", absl::StrReplaceAll(package, {{".", "::"}}),
                      package.empty() ? "" : "::", absl::StrReplaceAll(relative, {{".", "_"}}));
}

absl::StatusOr<FileView> BuildFileView(const FileDescriptor& file) {
  if (file.service_count() > 0 &&
      file.options().optimize_for() == google::protobuf::FileOptions::LITE_RUNTIME) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.name(),
                     ": option optimize_for = LITE_RUNTIME is not supported: MeshUp services "
                     "need full Protobuf messages"));
  }
  if (file.service_count() > 0 && file.options().cc_generic_services()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.name(),
                     ": option cc_generic_services = true makes protoc emit classes named "
                     "like the services, which clash with MeshUp's; remove it"));
  }
  FileView view;
  view.proto_path = file.name();
  view.base_name = std::string(absl::StripSuffix(file.name(), ".proto"));
  view.pb_header = absl::StrCat(view.base_name, ".pb.h");
  std::string guard = absl::StrCat(view.base_name, "_MESHUP_H_");
  for (char& c : guard) c = absl::ascii_isalnum(c) ? absl::ascii_toupper(c) : '_';
  view.header_guard = guard;
  if (!file.package().empty()) view.namespaces = absl::StrSplit(file.package(), '.');
  for (int i = 0; i < file.service_count(); ++i) {
    absl::StatusOr<ServiceView> service = BuildServiceView(*file.service(i), file.name());
    if (!service.ok()) return service.status();
    view.services.push_back(*std::move(service));
  }
  return view;
}

}  // namespace meshup::codegen
