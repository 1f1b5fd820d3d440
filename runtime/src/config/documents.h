// A configuration file and its YAML documents: the checks of its text that
// come before any parsing, its split at document markers, and a walk over
// its documents that parses each on its own.
#ifndef MESHUP_SRC_CONFIG_DOCUMENTS_H_
#define MESHUP_SRC_CONFIG_DOCUMENTS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "config/yaml_tree.h"

namespace meshup::config {

// The largest configuration file read; a larger one is refused unread.
inline constexpr size_t kMaxFileBytes = 4 << 20;

struct ConfigFile {
  std::string name;  // for messages: the path as the user knows it
  std::string text;
};

// One YAML document of a file, and where it starts.
struct DocumentText {
  int first_line;          // 0-based
  absl::string_view text;  // a part of the file's text
};

// Splits a file at its document markers: a line that is "---" (or starts
// with "--- " or "---<tab>"), or "...". A marker followed by content
// ("--- {inline}") starts its document; other markers are in no document.
// Each document is parsed on its own, so that a "..." ends one whatever
// follows, and `meshup apply` knows each object's text.
// The parts are views into `text`, which must outlive them.
std::vector<DocumentText> SplitDocuments(absl::string_view text ABSL_ATTRIBUTE_LIFETIME_BOUND);

// Refuses, before parsing, a file over kMaxFileBytes and text YAML does not
// allow or whose lines would be miscounted: a C0 control character other
// than tab, line feed and carriage return, or a line break other than \n
// and \r\n. The error names the file, line and column of the first one.
absl::Status CheckText(const ConfigFile& file);

// Checks `file`'s text, then calls `read` with each document of it that is
// not empty, parsed, and its text. The first error, of the YAML or of
// `read`, ends the walk and is returned.
absl::Status ForEachDocument(
    const ConfigFile& file,
    absl::FunctionRef<absl::Status(const YamlNode& root, const DocumentText& part)> read);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_DOCUMENTS_H_
