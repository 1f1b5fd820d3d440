#include "codegen/manifests/idl_files.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "meshup/options.pb.h"

namespace meshup::manifests {
namespace {

class ErrorCollector final : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    if (line < 0) {
      errors.push_back(absl::StrCat(file, ": ", message));
    } else {
      errors.push_back(absl::StrCat(file, ":", line + 1, ":", column + 1, ": ", message));
    }
  }
  std::vector<std::string> errors;
};

}  // namespace

absl::StatusOr<std::vector<codegen::FileView>> LoadIdlFiles(
    const std::vector<std::string>& proto_paths, const std::vector<std::string>& files) {
  // Keep meshup/options.proto linked in, so that the generated pool has it.
  (void)meshup::ServiceOptions::descriptor();
  google::protobuf::compiler::DiskSourceTree tree;
  for (const std::string& path : proto_paths) tree.MapPath("", path);
  google::protobuf::DescriptorPoolDatabase compiled_in(
      *google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::compiler::SourceTreeDescriptorDatabase database(&tree, &compiled_in);
  ErrorCollector errors;
  database.RecordErrorsTo(&errors);
  google::protobuf::DescriptorPool pool(&database, database.GetValidationErrorCollector());

  std::vector<codegen::FileView> views;
  for (const std::string& name : files) {
    const google::protobuf::FileDescriptor* file = pool.FindFileByName(name);
    if (file == nullptr) {
      if (errors.errors.empty()) {
        errors.errors.push_back(
            absl::StrCat(name, ": not found in proto paths ", absl::StrJoin(proto_paths, ", ")));
      }
      return absl::InvalidArgumentError(absl::StrJoin(errors.errors, "\n"));
    }
    absl::StatusOr<codegen::FileView> view = codegen::BuildFileView(*file);
    if (!view.ok()) return view.status();
    views.push_back(*std::move(view));
  }
  return views;
}

}  // namespace meshup::manifests
