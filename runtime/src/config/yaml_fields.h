// Strict reading of YAML documents: every key of a mapping must be read, and
// every value must have the expected type, or the reader says where (file,
// line, column, field path) and what is wrong.
//
//   Fields spec(node, "spec", doc);
//   MESHUP_ASSIGN_OR_RETURN(std::string host, ReadString(spec.Get("host"), spec.Path("host"),
//   doc)); MESHUP_RETURN_IF_ERROR(spec.CheckAllRead());
//
// The nodes are config::YamlNode (yaml_tree.h): libyaml parses, nothing
// here throws.
#ifndef MESHUP_SRC_CONFIG_YAML_FIELDS_H_
#define MESHUP_SRC_CONFIG_YAML_FIELDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/yaml_tree.h"

namespace meshup::config {

// One YAML document being read: where it is, and where warnings go.
class Document {
 public:
  Document(std::string file, std::vector<std::string>* warnings)
      : file_(std::move(file)), warnings_(warnings) {}

  // "VirtualService default/reviews", once known.
  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& file() const { return file_; }
  // The 1-based line of `node` in the file.
  int Line(const YamlNode& node) const { return node.mark().line + 1; }

  // InvalidArgument: "<file>:<line>:<col>: <subject>: <path>: <message>"
  // (no line and column for an absent node).
  absl::Status Error(const YamlNode& at, absl::string_view path, absl::string_view message) const;
  absl::Status Error(const YamlMark& at, absl::string_view path, absl::string_view message) const;
  void Warn(const YamlNode& at, absl::string_view path, absl::string_view message) const;

 private:
  std::string Where(const YamlMark& mark, absl::string_view path) const;

  std::string file_;
  std::string subject_;
  std::vector<std::string>* warnings_;
};

// A YAML mapping whose keys are read one by one; CheckAllRead() refuses the
// keys nobody read. The mapping is walked once, when the Fields is made; a
// Get is then a scan of its few keys, with no copy of them.
class Fields {
 public:
  // `node` must be a mapping (or null or absent, read as empty); otherwise
  // valid() is false and status() says so.
  Fields(const YamlNode& node, std::string path, const Document& doc);

  bool valid() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  const YamlNode& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string Path(absl::string_view key) const;

  // The value at `key`, marking it read; an absent node when there is none.
  YamlNode Get(absl::string_view key);
  bool Has(absl::string_view key) const;

  // An error for the first key not read, unless it is in `harmless`, which
  // only warns ("has no effect in MeshUp").
  absl::Status CheckAllRead(std::initializer_list<absl::string_view> harmless = {}) const;

 private:
  struct Entry {
    YamlNode key;
    YamlNode value;
    bool read = false;
  };

  YamlNode node_;
  std::string path_;
  const Document& doc_;
  absl::Status status_;
  absl::InlinedVector<Entry, 8> entries_;  // in the mapping's order
};

absl::StatusOr<std::string> ReadString(const YamlNode& node, absl::string_view path,
                                       const Document& doc);
absl::StatusOr<int64_t> ReadInt(const YamlNode& node, absl::string_view path, const Document& doc,
                                int64_t min, int64_t max);
absl::StatusOr<double> ReadDouble(const YamlNode& node, absl::string_view path, const Document& doc,
                                  double min, double max);
absl::StatusOr<bool> ReadBool(const YamlNode& node, absl::string_view path, const Document& doc);
// A duration as Istio writes them: "10s", "0.5s", "250ms", "1m", "1h30m".
absl::StatusOr<absl::Duration> ReadDuration(const YamlNode& node, absl::string_view path,
                                            const Document& doc);
// A Kubernetes timestamp, RFC 3339: "2024-05-01T10:00:00Z".
absl::StatusOr<absl::Time> ReadTimestamp(const YamlNode& node, absl::string_view path,
                                         const Document& doc);
// A mapping of strings to strings, e.g. labels.
absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(const YamlNode& node,
                                                                 absl::string_view path,
                                                                 const Document& doc);
// A sequence of strings.
absl::StatusOr<std::vector<std::string>> ReadStringList(const YamlNode& node,
                                                        absl::string_view path,
                                                        const Document& doc);
// A mapping writes each key once: YAML says keys are unique, and reading one
// of two would silently drop the other. The error names the second and the
// line of the first. Fields and ReadStringMap check it themselves.
absl::Status CheckUniqueKeys(const YamlNode& map, absl::string_view path, const Document& doc);
// `node` must be a sequence (an absent node reads as empty).
absl::Status CheckSequence(const YamlNode& node, absl::string_view path, const Document& doc);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_YAML_FIELDS_H_
