#include "codegen/generator.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "codegen/template_data.h"
#include "codegen/template_renderer.h"
#include "codegen/view_model.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace meshup::codegen {
namespace {

// The templates of one generated C++ file each, and the suffix it gets.
constexpr std::pair<const char*, const char*> kCppOutputs[] = {
    {"cpp/header.mustache", ".meshup.h"},
    {"cpp/source.mustache", ".meshup.cc"},
};

}  // namespace

absl::StatusOr<PluginOptions> ParsePluginOptions(const std::string& parameter) {
  PluginOptions options;
  if (parameter.empty()) return options;
  for (absl::string_view item : absl::StrSplit(parameter, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.first == "templates_dir" && !kv.second.empty()) {
      options.templates_dir = std::string(kv.second);
    } else if (kv.first == "templates_dir") {
      return absl::InvalidArgumentError("plugin option templates_dir needs a directory");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown plugin option '", kv.first, "' (known: templates_dir=DIR)"));
    }
  }
  return options;
}

absl::StatusOr<std::map<std::string, std::string>> GenerateFiles(
    const google::protobuf::FileDescriptor& file, const PluginOptions& options) {
  absl::StatusOr<FileView> view = BuildFileView(file);
  if (!view.ok()) return view.status();
  const kainjow::mustache::data data = ToTemplateData(*view);
  std::unique_ptr<TemplateSource> source = options.templates_dir.empty()
                                               ? EmbeddedTemplateSource()
                                               : DirectoryTemplateSource(options.templates_dir);
  std::map<std::string, std::string> files;
  for (const auto& [template_name, suffix] : kCppOutputs) {
    absl::StatusOr<std::string> text = source->Load(template_name);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::string> rendered = RenderTemplate(template_name, *text, data);
    if (!rendered.ok()) return rendered.status();
    files[absl::StrCat(view->base_name, suffix)] = *std::move(rendered);
  }
  return files;
}

bool MeshupGenerator::Generate(const google::protobuf::FileDescriptor* file,
                               const std::string& parameter,
                               google::protobuf::compiler::GeneratorContext* context,
                               std::string* error) const {
  absl::StatusOr<PluginOptions> options = ParsePluginOptions(parameter);
  if (!options.ok()) {
    *error = std::string(options.status().message());
    return false;
  }
  absl::StatusOr<std::map<std::string, std::string>> files = GenerateFiles(*file, *options);
  if (!files.ok()) {
    *error = std::string(files.status().message());
    return false;
  }
  for (const auto& [name, content] : *files) {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(context->Open(name));
    void* buffer;
    int size;
    size_t written = 0;
    while (written < content.size() && out->Next(&buffer, &size)) {
      const size_t n = std::min(static_cast<size_t>(size), content.size() - written);
      std::memcpy(buffer, content.data() + written, n);
      written += n;
      if (n < static_cast<size_t>(size)) out->BackUp(size - static_cast<int>(n));
    }
  }
  return true;
}

}  // namespace meshup::codegen
