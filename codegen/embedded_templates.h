// The templates of templates/, compiled into the plugin at build time by
// cmake/EmbedTemplates.cmake, so that an installed plugin needs no files.
#ifndef MESHUP_CODEGEN_EMBEDDED_TEMPLATES_H_
#define MESHUP_CODEGEN_EMBEDDED_TEMPLATES_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace meshup::codegen {

struct EmbeddedTemplate {
  absl::string_view name;  // path below templates/, e.g. "cpp/header.mustache"
  absl::string_view text;
};

absl::Span<const EmbeddedTemplate> EmbeddedTemplates();

}  // namespace meshup::codegen

#endif  // MESHUP_CODEGEN_EMBEDDED_TEMPLATES_H_
