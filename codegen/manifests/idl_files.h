// Reads .proto files from disk into the view model the code generator uses
// (codegen/view_model.h), the way protoc would: files are named relative to
// a proto path ("bookinfo/reviews.proto"), imports are searched along the
// proto paths, and meshup/options.proto and Protobuf's well-known types come
// from the descriptors compiled into this binary when no proto path holds
// them.
#ifndef MESHUP_CODEGEN_MANIFESTS_IDL_FILES_H_
#define MESHUP_CODEGEN_MANIFESTS_IDL_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "codegen/view_model.h"

namespace meshup::manifests {

// Errors name the .proto file, line and column (parse errors) or the
// annotation (view model errors).
absl::StatusOr<std::vector<codegen::FileView>> LoadIdlFiles(
    const std::vector<std::string>& proto_paths, const std::vector<std::string>& files);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_IDL_FILES_H_
