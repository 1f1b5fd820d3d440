// Test helper: parses .proto files from disk, or from text, into descriptors
// with their comments, the way protoc hands them to the plugin.
#ifndef MESHUP_TESTS_CODEGEN_PROTO_IMPORTER_H_
#define MESHUP_TESTS_CODEGEN_PROTO_IMPORTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/compiler/importer.h"

namespace meshup::codegen::testing {

class ProtoImporter {
 public:
  // Searches the test protos, MeshUp's IDL and Protobuf's well-known types,
  // plus a scratch directory for protos given as text.
  ProtoImporter();
  ~ProtoImporter();

  // Imports a file below one of the search roots, e.g. "meshup_test/everything.proto".
  absl::StatusOr<const google::protobuf::FileDescriptor*> Import(const std::string& path);
  // Writes `text` as `name` in the scratch directory, then imports it.
  absl::StatusOr<const google::protobuf::FileDescriptor*> ImportText(const std::string& name,
                                                                     const std::string& text);

 private:
  class Errors;
  std::string scratch_dir_;
  std::unique_ptr<Errors> errors_;
  google::protobuf::compiler::DiskSourceTree tree_;
  std::unique_ptr<google::protobuf::compiler::Importer> importer_;
};

}  // namespace meshup::codegen::testing

#endif  // MESHUP_TESTS_CODEGEN_PROTO_IMPORTER_H_
