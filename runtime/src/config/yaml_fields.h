// Strict reading of YAML documents: every key of a mapping must be read, and
// every value must have the expected type, or the reader says where (file,
// line, column, field path) and what is wrong.
//
//   Fields spec(node, "spec", doc);
//   MESHUP_ASSIGN_OR_RETURN(std::string host, ReadString(spec.Get("host"), spec.Path("host"),
//   doc)); MESHUP_RETURN_IF_ERROR(spec.CheckAllRead());
//
// yaml-cpp is used only here and in the loader; its exceptions stop here.
#ifndef MESHUP_SRC_CONFIG_YAML_FIELDS_H_
#define MESHUP_SRC_CONFIG_YAML_FIELDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace meshup::config {

// One YAML document being read: where it is, and where warnings go.
class Document {
 public:
  // `first_line` is the 0-based line of the file where this document starts:
  // yaml-cpp counts lines from the start of the text it was given.
  Document(std::string file, std::vector<std::string>* warnings, int first_line = 0)
      : file_(std::move(file)), warnings_(warnings), first_line_(first_line) {}

  // "VirtualService default/reviews", once known.
  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& file() const { return file_; }
  // The 1-based line of `node` in the file.
  int Line(const YAML::Node& node) const { return node.Mark().line + 1 + first_line_; }

  // InvalidArgument: "<file>:<line>:<col>: <subject>: <path>: <message>".
  absl::Status Error(const YAML::Node& at, absl::string_view path, absl::string_view message) const;
  absl::Status Error(const YAML::Mark& at, absl::string_view path, absl::string_view message) const;
  void Warn(const YAML::Node& at, absl::string_view path, absl::string_view message) const;

 private:
  std::string Where(const YAML::Mark& mark, absl::string_view path) const;

  std::string file_;
  std::string subject_;
  std::vector<std::string>* warnings_;
  int first_line_;
};

// A YAML mapping whose keys are read one by one; CheckAllRead() refuses the
// keys nobody read. The mapping is walked once, when the Fields is made; a
// Get is then a scan of its few keys, with no copy of them.
class Fields {
 public:
  // `node` must be a mapping (or null, read as empty); otherwise valid() is
  // false and status() says so.
  Fields(const YAML::Node& node, std::string path, const Document& doc);

  bool valid() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string Path(absl::string_view key) const;

  // The value at `key`, marking it read; an undefined node when absent.
  YAML::Node Get(absl::string_view key);
  bool Has(absl::string_view key) const;

  // An error for the first key not read, unless it is in `harmless`, which
  // only warns ("has no effect in MeshUp").
  absl::Status CheckAllRead(std::initializer_list<absl::string_view> harmless = {}) const;

 private:
  struct Entry {
    YAML::Node key;
    YAML::Node value;
    const std::string* name;  // the key's text (owned by `key`); null when not a scalar
    bool read = false;
  };

  YAML::Node node_;
  std::string path_;
  const Document& doc_;
  absl::Status status_;
  std::vector<Entry> entries_;  // in the mapping's order
};

absl::StatusOr<std::string> ReadString(const YAML::Node& node, absl::string_view path,
                                       const Document& doc);
absl::StatusOr<int64_t> ReadInt(const YAML::Node& node, absl::string_view path, const Document& doc,
                                int64_t min, int64_t max);
absl::StatusOr<double> ReadDouble(const YAML::Node& node, absl::string_view path,
                                  const Document& doc, double min, double max);
absl::StatusOr<bool> ReadBool(const YAML::Node& node, absl::string_view path, const Document& doc);
// A duration as Istio writes them: "10s", "0.5s", "250ms", "1m", "1h30m".
absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node, absl::string_view path,
                                            const Document& doc);
// A mapping of strings to strings, e.g. labels.
absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(const YAML::Node& node,
                                                                 absl::string_view path,
                                                                 const Document& doc);
// A sequence of strings.
absl::StatusOr<std::vector<std::string>> ReadStringList(const YAML::Node& node,
                                                        absl::string_view path,
                                                        const Document& doc);
// `node` must be a sequence (an absent node reads as empty).
absl::Status CheckSequence(const YAML::Node& node, absl::string_view path, const Document& doc);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_YAML_FIELDS_H_
