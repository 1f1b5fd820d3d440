// The linkerd target: ServiceProfiles, and the IDL's allowed callers as
// Linkerd's authorization policy.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "codegen/manifests/targets.h"

namespace meshup::manifests {

using kainjow::mustache::data;

absl::Status RenderLinkerd(const ManifestModel& model, const codegen::TemplateSource& templates,
                           OutputFiles& out) {
  for (const ServiceModel& service : model.services) {
    if (!service.idl && service.allowed_callers.empty()) continue;  // nothing to say
    data d;
    d.set("source", SourceOf(model, service));
    d.set("service", service.name);
    d.set("namespace", model.namespace_name);
    d.set("host", absl::StrCat(service.name, ".", model.namespace_name, ".svc.cluster.local"));
    d.set("grpc", Bool(service.idl.has_value()));
    d.set("idl_service", service.idl ? service.idl->full_name : "");
    d.set("port_name", service.grpc ? "grpc" : "http");
    d.set("proxy_protocol", service.grpc ? "gRPC" : "HTTP/1");
    data methods = data::type::list;
    if (service.idl) {
      for (const codegen::MethodView& method : service.idl->methods) {
        data m;
        m.set("name", method.name);
        // The path as a regex: the dots of the package and service are literal.
        m.set("path_regex", absl::StrReplaceAll(method.path, {{".", "\\."}}));
        m.set("comments", CommentLines(method.comments));
        // Retryable when the runtime retries it: idempotent, with more than one try.
        m.set("retryable", method.idempotent && method.retry_attempts > 1 ? "true" : "false");
        const bool has_timeout = method.timeout != absl::InfiniteDuration();
        m.set("has_timeout", Bool(has_timeout));
        m.set("timeout", has_timeout ? YamlDuration(method.timeout) : "");
        methods.push_back(m);
      }
    }
    d.set("methods", methods);
    d.set("has_callers", Bool(!service.allowed_callers.empty()));
    data callers = data::type::list;
    for (const auto& caller : service.allowed_callers) {
      data c;
      c.set("service_account", caller.service_account);
      c.set("caller_namespace", caller.namespace_name);
      callers.push_back(c);
    }
    d.set("callers", callers);
    const std::string path = absl::StrCat("linkerd/", service.name, ".yaml");
    absl::StatusOr<std::string> text = RenderYaml(templates, "linkerd/service.mustache", d, path);
    if (!text.ok()) return text.status();
    out[path] = *std::move(text);
  }
  return absl::OkStatus();
}

}  // namespace meshup::manifests
