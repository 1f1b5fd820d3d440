// Reads Istio-format YAML documents into a Snapshot, one document and one
// file at a time, with every check that concerns one document (YAML, kinds,
// fields, values; errors name the file, line, column and field) and none
// across documents (config/cross_checks.h does those). The kinds and
// apiVersions it reads (object_reader.cc) are those config/loader.h lists.
#ifndef MESHUP_SRC_CONFIG_OBJECT_READER_H_
#define MESHUP_SRC_CONFIG_OBJECT_READER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/documents.h"
#include "config/snapshot.h"
#include "config/yaml_tree.h"

namespace meshup::config {

// Reads every document of `file` into `snapshot` and lists the file in it.
// A Mesh document's position goes to `mesh_mark` when given, for the check
// across files.
absl::Status LoadFile(const ConfigFile& file, Snapshot& snapshot, YamlMark* mesh_mark = nullptr);

// One object (document) of a file, as written.
struct ObjectText {
  std::string kind, namespace_name, name;
  std::string text;
};

// Reads `file` document by document with every check that concerns one
// document, but none across documents (subsets, names defined twice): what
// `meshup apply` needs to know which objects a file replaces before it
// checks the result.
absl::StatusOr<std::vector<ObjectText>> ReadObjects(const ConfigFile& file);

// Reads only which objects `file` names (apiVersion, kind, metadata.name and
// namespace of each document), as `kubectl delete -f` does: the rest of a
// document may be missing or wrong. Errors for YAML that does not parse and
// for a document without kind or name.
absl::StatusOr<std::vector<ObjectText>> ReadObjectNames(const ConfigFile& file);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_OBJECT_READER_H_
