// Helpers the manifest renderers share: YAML scalars, durations, the header
// of every file, and rendering a template into text that is checked to be
// valid YAML before anyone writes it.
#ifndef MESHUP_CODEGEN_MANIFESTS_RENDER_UTIL_H_
#define MESHUP_CODEGEN_MANIFESTS_RENDER_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "codegen/manifests/manifest_model.h"
#include "codegen/template_data.h"
#include "codegen/template_renderer.h"
#include "kainjow/mustache.hpp"

namespace meshup::manifests {

// Output path below the output directory ("istio/reviews.yaml") -> content.
using OutputFiles = std::map<std::string, std::string>;

// A YAML double-quoted scalar for any text (JSON's string syntax, which YAML
// reads the same).
std::string YamlQuote(absl::string_view text);

// A duration as Protobuf's JSON form writes it, which Istio, Envoy and
// Linkerd all read: seconds with a fraction when needed ("3s", "0.25s").
std::string YamlDuration(absl::Duration duration);

// "deploy.yaml (service reviews) and bookinfo/reviews.proto (bookinfo.ReviewsService)".
std::string SourceOf(const ManifestModel& model, const ServiceModel& service);

kainjow::mustache::data Bool(bool value);
// A list of {line: " text"} for comment lines, as the C++ templates use it.
using codegen::CommentLines;

// Renders template `name` with `data`, then parses every document of the
// result with yaml-cpp: a template that produces invalid YAML is an error
// naming the template and the output file, never a file on disk.
absl::StatusOr<std::string> RenderYaml(const codegen::TemplateSource& templates,
                                       absl::string_view name, const kainjow::mustache::data& data,
                                       absl::string_view output_path);

// Checks that `text` is valid YAML, document by document.
absl::Status CheckYaml(absl::string_view text, absl::string_view output_path);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_RENDER_UTIL_H_
