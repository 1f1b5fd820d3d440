// Strict Mustache rendering for generated code.
//
// Templates are kainjow Mustache with two changes that generated code needs:
// nothing is HTML-escaped ({{x}} writes x as it is, so `a < b` and `"` stay
// C++), and a tag that names a key missing from the data fails the rendering
// with the template's name and the missing key, instead of rendering empty.
//
// Templates come from a TemplateSource: the ones compiled into the plugin, or
// a directory that replaces them (the plugin option templates_dir).
#ifndef MESHUP_CODEGEN_TEMPLATE_RENDERER_H_
#define MESHUP_CODEGEN_TEMPLATE_RENDERER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kainjow/mustache.hpp"

namespace meshup::codegen {

class TemplateSource {
 public:
  virtual ~TemplateSource() = default;
  // The text of the template `name`, e.g. "cpp/header.mustache".
  virtual absl::StatusOr<std::string> Load(absl::string_view name) const = 0;
};

// The templates compiled into the plugin from templates/.
std::unique_ptr<TemplateSource> EmbeddedTemplateSource();
// Templates read from `directory`: `name` is a path below it.
std::unique_ptr<TemplateSource> DirectoryTemplateSource(std::string directory);

// Mustache's "standalone tag" rule: a line holding only a section,
// inverted-section, closing or comment tag (and white space) renders as
// nothing, not as an empty line, whether the section renders or not. kainjow
// applies it to rendered sections only, so RenderTemplate() applies it itself:
// MarkStandaloneTagLines() ends each such line's tag with kStandaloneMarker,
// and RemoveStandaloneMarkers() drops the marked lines from the output.
inline constexpr char kStandaloneMarker = '\x1e';
std::string MarkStandaloneTagLines(const std::string& text);
std::string RemoveStandaloneMarkers(const std::string& rendered);

// Renders `text` (the template called `name`, for error messages) with `data`.
absl::StatusOr<std::string> RenderTemplate(absl::string_view name, const std::string& text,
                                           const kainjow::mustache::data& data);

}  // namespace meshup::codegen

#endif  // MESHUP_CODEGEN_TEMPLATE_RENDERER_H_
