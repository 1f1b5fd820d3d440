// The istio target: the IDL's policy as Istio documents.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/manifests/targets.h"

namespace meshup::manifests {
namespace {

using kainjow::mustache::data;

// The IDL's retry codes (absl::StatusCode enumerators) in Istio's retryOn spelling.
std::string RetryOn(const std::vector<std::string>& codes) {
  if (codes.empty()) return "unavailable";
  std::vector<std::string> names;
  for (const std::string& code : codes) {
    // "kDeadlineExceeded" -> "deadline-exceeded".
    std::string name;
    for (size_t i = 1; i < code.size(); ++i) {
      if (absl::ascii_isupper(code[i]) && i > 1) name.push_back('-');
      name.push_back(absl::ascii_tolower(code[i]));
    }
    names.push_back(name);
  }
  return absl::StrJoin(names, ",");
}

}  // namespace

absl::StatusOr<std::string> RenderIstioService(const ManifestModel& model,
                                               const ServiceModel& service,
                                               const codegen::TemplateSource& templates) {
  data d;
  d.set("source", SourceOf(model, service));
  d.set("service", service.name);
  d.set("namespace", model.namespace_name);
  d.set("host", absl::StrCat(service.name, ".", model.namespace_name, ".svc.cluster.local"));
  d.set("port", std::to_string(service.port));
  d.set("grpc", Bool(service.idl.has_value()));
  d.set("idl_service", service.idl ? service.idl->full_name : "");
  data methods = data::type::list;
  if (service.idl) {
    for (const codegen::MethodView& method : service.idl->methods) {
      data m;
      m.set("name", method.name);
      m.set("path", method.path);
      m.set("comments", CommentLines(method.comments));
      const bool has_timeout = method.timeout != absl::InfiniteDuration();
      m.set("has_timeout", Bool(has_timeout));
      m.set("timeout", has_timeout ? YamlDuration(method.timeout) : "");
      if (method.retry_attempts > 1) {
        data retries;
        retries.set("attempts", std::to_string(method.retry_attempts - 1));
        const bool per_try = method.retry_per_try_timeout > absl::ZeroDuration();
        retries.set("has_per_try_timeout", Bool(per_try));
        retries.set("per_try_timeout", per_try ? YamlDuration(method.retry_per_try_timeout) : "");
        retries.set("retry_on", RetryOn(method.retry_on));
        m.set("retries", retries);
      } else {
        m.set("retries", Bool(false));
      }
      // One try declared: no retries at all. None declared: Istio's default
      // retries, as the runtime gives such a method.
      m.set("no_retries", Bool(method.retry_attempts == 1));
      methods.push_back(m);
    }
  }
  d.set("methods", methods);
  data versions = data::type::list;
  for (const DeployVersion& version : service.versions)
    versions.push_back(data("version", version.name));
  d.set("versions", versions);
  d.set("has_callers", Bool(!service.allowed_callers.empty()));
  data callers = data::type::list;
  for (const auto& caller : service.allowed_callers) {
    callers.push_back(
        data("principal", absl::StrCat(model.trust_domain, "/ns/", caller.namespace_name, "/sa/",
                                       caller.service_account)));
  }
  d.set("callers", callers);
  return RenderYaml(templates, "istio/service.mustache", d,
                    absl::StrCat("istio/", service.name, ".yaml"));
}

absl::Status RenderIstio(const ManifestModel& model, const codegen::TemplateSource& templates,
                         OutputFiles& out) {
  for (const ServiceModel& service : model.services) {
    absl::StatusOr<std::string> text = RenderIstioService(model, service, templates);
    if (!text.ok()) return text.status();
    out[absl::StrCat("istio/", service.name, ".yaml")] = *std::move(text);
  }
  return absl::OkStatus();
}

}  // namespace meshup::manifests
