#include "codegen/manifests/render_util.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace meshup::manifests {

using kainjow::mustache::data;

std::string YamlQuote(absl::string_view text) { return nlohmann::json(std::string(text)).dump(); }

std::string YamlDuration(absl::Duration duration) {
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  std::string text = absl::StrFormat("%d.%09d", nanos / 1000000000, nanos % 1000000000);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "s";
}

std::string SourceOf(const ManifestModel& model, const ServiceModel& service) {
  std::string source = absl::StrCat(model.deploy_name, " (service ", service.name, ")");
  if (service.idl) {
    absl::StrAppend(&source, " and ", service.proto_path, " (", service.idl->full_name, ")");
  }
  return source;
}

data Bool(bool value) { return value ? data::type::bool_true : data::type::bool_false; }

absl::Status CheckYaml(absl::string_view text, absl::string_view output_path) {
  // Document by document: the generated files separate them with "---" lines.
  int first_line = 0;
  for (absl::string_view document : absl::StrSplit(text, "\n---\n")) {
    try {
      YAML::Load(std::string(document));
    } catch (const YAML::Exception& e) {
      return absl::InternalError(absl::StrCat("generated ", output_path, ":",
                                              first_line + e.mark.line + 1,
                                              " is not valid YAML: ", e.msg));
    }
    first_line += static_cast<int>(std::count(document.begin(), document.end(), '\n')) + 2;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RenderYaml(const codegen::TemplateSource& templates,
                                       absl::string_view name, const data& data,
                                       absl::string_view output_path) {
  absl::StatusOr<std::string> text = templates.Load(name);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::string> rendered = codegen::RenderTemplate(name, *text, data);
  if (!rendered.ok()) return rendered.status();
  absl::Status valid = CheckYaml(*rendered, output_path);
  if (!valid.ok()) {
    return absl::InternalError(absl::StrCat(valid.message(), " (template ", name, ")"));
  }
  return rendered;
}

}  // namespace meshup::manifests
