// protoc-gen-meshup's generator: a .proto in, its typed MeshUp C++ out.
//
// For foo/bar.proto it writes foo/bar.meshup.h and foo/bar.meshup.cc, next to
// protoc's foo/bar.pb.h. The plugin parameter is a comma-separated list of
// key=value options; the only key is templates_dir (render the templates of
// that directory instead of the built-in ones). Any other key is an error.
#ifndef MESHUP_CODEGEN_GENERATOR_H_
#define MESHUP_CODEGEN_GENERATOR_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/compiler/code_generator.h"
#include "google/protobuf/descriptor.h"

namespace meshup::codegen {

struct PluginOptions {
  std::string templates_dir;  // empty: the built-in templates
};

absl::StatusOr<PluginOptions> ParsePluginOptions(const std::string& parameter);

// Output file name -> content.
absl::StatusOr<std::map<std::string, std::string>> GenerateFiles(
    const google::protobuf::FileDescriptor& file, const PluginOptions& options);

class MeshupGenerator final : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;
  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace meshup::codegen

#endif  // MESHUP_CODEGEN_GENERATOR_H_
