#include "codegen/template_data.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace meshup::codegen {
namespace {

using kainjow::mustache::data;

data Bool(bool value) { return value ? data::type::bool_true : data::type::bool_false; }

data MethodData(const ServiceView& service, const MethodView& method, int index) {
  data out;
  out.set("method_name", method.name);
  out.set("method_path", method.path);
  out.set("method_index", std::to_string(index));
  out.set("request_type", method.request_type);
  out.set("response_type", method.response_type);
  out.set("method_comments", CommentLines(method.comments));
  const bool unary = !method.client_streaming && !method.server_streaming;
  out.set("unary", Bool(unary));
  out.set("server_streaming", Bool(method.server_streaming && !method.client_streaming));
  out.set("client_streaming", Bool(method.client_streaming && !method.server_streaming));
  out.set("bidi_streaming", Bool(method.client_streaming && method.server_streaming));
  const char* kind = unary                      ? "kUnary"
                     : !method.client_streaming ? "kServerStreaming"
                     : !method.server_streaming ? "kClientStreaming"
                                                : "kBidiStreaming";
  out.set("rpc_kind", kind);
  out.set("timeout", DurationExpression(method.timeout));
  out.set("retry_attempts", std::to_string(method.retry_attempts));
  out.set("retry_per_try_timeout", DurationExpression(method.retry_per_try_timeout));
  out.set("has_retry_on", Bool(!method.retry_on.empty()));
  out.set("retry_on_array", absl::StrCat("k", service.name, method.name, "RetryOn"));
  data codes = data::type::list;
  for (const std::string& code : method.retry_on) codes.push_back(data("code", code));
  out.set("retry_on", codes);
  out.set("idempotent", method.idempotent ? "true" : "false");
  out.set("non_blocking", method.non_blocking ? "true" : "false");
  out.set("declared_non_blocking", Bool(method.non_blocking));
  return out;
}

}  // namespace

std::string DurationExpression(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return "::absl::InfiniteDuration()";
  if (duration == absl::ZeroDuration()) return "::absl::ZeroDuration()";
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  if (nanos % 1000000000 == 0) return absl::StrCat("::absl::Seconds(", nanos / 1000000000, ")");
  if (nanos % 1000000 == 0) return absl::StrCat("::absl::Milliseconds(", nanos / 1000000, ")");
  if (nanos % 1000 == 0) return absl::StrCat("::absl::Microseconds(", nanos / 1000, ")");
  return absl::StrCat("::absl::Nanoseconds(", nanos, ")");
}

kainjow::mustache::data CommentLines(const std::vector<std::string>& lines) {
  data list = data::type::list;
  for (const std::string& line : lines) {
    data item;
    item.set("line", line.empty() || line.front() == ' ' ? line : absl::StrCat(" ", line));
    list.push_back(item);
  }
  return list;
}

kainjow::mustache::data ToTemplateData(const FileView& file) {
  data out;
  out.set("proto_path", file.proto_path);
  out.set("header_name", absl::StrCat(file.base_name, ".meshup.h"));
  out.set("pb_header", file.pb_header);
  out.set("header_guard", file.header_guard);
  data namespaces = data::type::list;
  for (const std::string& name : file.namespaces) namespaces.push_back(data("namespace", name));
  out.set("namespaces", namespaces);
  data reversed = data::type::list;
  for (auto it = file.namespaces.rbegin(); it != file.namespaces.rend(); ++it) {
    reversed.push_back(data("namespace", *it));
  }
  out.set("namespaces_reversed", reversed);
  data services = data::type::list;
  for (const ServiceView& service : file.services) {
    data item;
    item.set("service_name", service.name);
    item.set("service_full_name", service.full_name);
    item.set("mesh_name", service.mesh_name);
    item.set("port", std::to_string(service.port));
    item.set("service_account", service.service_account);
    item.set("service_comments", CommentLines(service.comments));
    data methods = data::type::list;
    for (size_t i = 0; i < service.methods.size(); ++i) {
      methods.push_back(MethodData(service, service.methods[i], static_cast<int>(i)));
    }
    item.set("methods", methods);
    item.set("has_methods", Bool(!service.methods.empty()));
    data callers = data::type::list;
    for (const ServiceView::Caller& caller : service.allowed_callers) {
      data entry;
      entry.set("caller", caller.namespace_name.empty()
                              ? caller.service_account
                              : absl::StrCat(caller.namespace_name, "/", caller.service_account));
      callers.push_back(entry);
    }
    item.set("allowed_callers", callers);
    item.set("has_allowed_callers", Bool(!service.allowed_callers.empty()));
    services.push_back(item);
  }
  out.set("services", services);
  return out;
}

}  // namespace meshup::codegen
