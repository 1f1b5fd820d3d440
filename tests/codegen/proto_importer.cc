#include "proto_importer.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace meshup::codegen::testing {

class ProtoImporter::Errors final : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    absl::StrAppend(&text, file, ":", line + 1, ":", column + 1, ": ", message, "\n");
  }
  std::string text;
};

ProtoImporter::ProtoImporter() : errors_(std::make_unique<Errors>()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "meshup-proto-XXXXXX").string();
  scratch_dir_ = mkdtemp(pattern.data());
  tree_.MapPath("", MESHUP_TEST_PROTO_ROOT);
  tree_.MapPath("", MESHUP_IDL_DIR);
  tree_.MapPath("", MESHUP_PROTOBUF_INCLUDE_DIR);
  tree_.MapPath("", scratch_dir_);
  importer_ = std::make_unique<google::protobuf::compiler::Importer>(&tree_, errors_.get());
}

ProtoImporter::~ProtoImporter() { std::filesystem::remove_all(scratch_dir_); }

absl::StatusOr<const google::protobuf::FileDescriptor*> ProtoImporter::Import(
    const std::string& path) {
  errors_->text.clear();
  const google::protobuf::FileDescriptor* file = importer_->Import(path);
  if (file == nullptr) return absl::InvalidArgumentError(errors_->text);
  return file;
}

absl::StatusOr<const google::protobuf::FileDescriptor*> ProtoImporter::ImportText(
    const std::string& name, const std::string& text) {
  std::ofstream(std::filesystem::path(scratch_dir_) / name) << text;
  return Import(name);
}

}  // namespace meshup::codegen::testing
