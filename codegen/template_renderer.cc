#include "codegen/template_renderer.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/embedded_templates.h"

namespace meshup::codegen {
namespace {

using kainjow::mustache::basic_context;
using kainjow::mustache::context;
using kainjow::mustache::data;

// A rendering context that remembers every key it was asked for and could not
// find, so that a template naming a key the view model lacks fails.
class StrictContext final : public basic_context<std::string> {
 public:
  explicit StrictContext(const data* root) : inner_(root) {}

  void push(const data* item) override { inner_.push(item); }
  void pop() override { inner_.pop(); }
  const data* get(const std::string& name) const override {
    const data* found = inner_.get(name);
    if (found == nullptr) missing_.insert(name);
    return found;
  }
  const data* get_partial(const std::string& name) const override {
    const data* found = inner_.get_partial(name);
    if (found == nullptr) missing_.insert(absl::StrCat(">", name));
    return found;
  }

  const std::set<std::string>& missing() const { return missing_; }

 private:
  context<std::string> inner_;
  mutable std::set<std::string> missing_;
};

class EmbeddedSource final : public TemplateSource {
 public:
  absl::StatusOr<std::string> Load(absl::string_view name) const override {
    for (const EmbeddedTemplate& entry : EmbeddedTemplates()) {
      if (entry.name == name) return std::string(entry.text);
    }
    return absl::NotFoundError(absl::StrCat("no template '", name, "' is built into the plugin"));
  }
};

class DirectorySource final : public TemplateSource {
 public:
  explicit DirectorySource(std::string directory) : directory_(std::move(directory)) {}

  absl::StatusOr<std::string> Load(absl::string_view name) const override {
    const std::string path = absl::StrCat(directory_, "/", name);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot read template ", path, " (templates_dir=", directory_, ")"));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string directory_;
};

}  // namespace

std::string MarkStandaloneTagLines(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const size_t next = end == std::string::npos ? text.size() : end + 1;
    const absl::string_view line(text.data() + start, next - start);
    const absl::string_view body = absl::StripAsciiWhitespace(line);
    const bool standalone = body.size() > 4 && absl::StartsWith(body, "{{") &&
                            body.find("}}") == body.size() - 2 &&
                            (body[2] == '#' || body[2] == '^' || body[2] == '/' || body[2] == '!');
    if (standalone) {
      // The tag without its indentation, then the marker: kainjow sees a tag
      // that is not alone on its line and leaves the line to us.
      absl::StrAppend(&out, body, absl::string_view(&kStandaloneMarker, 1),
                      end == std::string::npos ? "" : "\n");
    } else {
      out.append(line.data(), line.size());
    }
    start = next;
  }
  return out;
}

std::string RemoveStandaloneMarkers(const std::string& rendered) {
  std::string out;
  out.reserve(rendered.size());
  for (size_t i = 0; i < rendered.size(); ++i) {
    if (rendered[i] != kStandaloneMarker) {
      out.push_back(rendered[i]);
    } else if (i + 1 < rendered.size() && rendered[i + 1] == '\n') {
      ++i;  // the marker's line ends here, and renders as nothing
    }
  }
  return out;
}

std::unique_ptr<TemplateSource> EmbeddedTemplateSource() {
  return std::make_unique<EmbeddedSource>();
}

std::unique_ptr<TemplateSource> DirectoryTemplateSource(std::string directory) {
  return std::make_unique<DirectorySource>(std::move(directory));
}

absl::StatusOr<std::string> RenderTemplate(absl::string_view name, const std::string& text,
                                           const data& data) {
  kainjow::mustache::mustache tmpl(MarkStandaloneTagLines(text));
  if (!tmpl.is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("template ", name, " does not parse: ", tmpl.error_message()));
  }
  // Generated code is not HTML: write every value as it is.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  StrictContext strict(&data);
  std::string out = RemoveStandaloneMarkers(tmpl.render(strict));
  if (!tmpl.is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("template ", name, " failed to render: ", tmpl.error_message()));
  }
  if (!strict.missing().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "template ", name,
        " names keys the view model does not have: ", absl::StrJoin(strict.missing(), ", ")));
  }
  return out;
}

}  // namespace meshup::codegen
