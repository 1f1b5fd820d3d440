// A YAML stream as small owned trees, one per document, built from libyaml's
// event parser. The configuration readers (yaml_fields.h) walk these trees.
//
//   MESHUP_ASSIGN_OR_RETURN(YamlStream stream, ParseYaml(text, "routes.yaml"));
//   for (size_t i = 0; i < stream.size(); ++i) Read(stream.document(i));
//
// Contract:
// - Nodes are mappings, sequences, scalars and nulls. A scalar keeps its text
//   as YAML gives it (escapes and folding applied) and whether it was quoted
//   ('...', "...", | or >); no type is inferred, so `10`, "10" and `true` are
//   all scalars whose text the reader interprets. A plain untagged scalar
//   that is empty, "~", "null", "Null" or "NULL", and an empty node (`key:`
//   with no value), are null.
// - Every node has the 0-based line and column where it starts in the file:
//   lines count from `first_line` (the file's line where `text` begins),
//   columns in bytes. An empty node is where its value is missing (just
//   after `key:` or `-`). Properties (&anchor, !tag) start their node.
// - A mapping keeps its entries in the order written, keys written twice
//   included (the readers refuse them: CheckUniqueKeys in yaml_fields.h).
// - Aliases are resolved: an alias is its anchored node, shared, not copied.
//   An alias of an anchor not defined before it in its document, or of a
//   node that contains the alias, is an error; so is a stream whose aliases
//   stand for more than kMaxAliasCost (nodes and text counted as if copied:
//   a "billion laughs" is refused, not expanded), and nesting deeper than
//   kMaxDepth.
// - A text longer than kMaxYamlBytes is refused.
// - Errors are InvalidArgument "<file>:<line>:<column>: invalid YAML: <what>"
//   (1-based); nothing throws.
// - A YamlNode is a handle into its YamlStream: valid while the stream lives
//   (moving the stream keeps it valid). A default YamlNode is "absent".
// - Streams are independent: different threads may parse at the same time.
#ifndef MESHUP_SRC_CONFIG_YAML_TREE_H_
#define MESHUP_SRC_CONFIG_YAML_TREE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshup::config {

// A position in a file, 0-based; line -1 when unknown.
struct YamlMark {
  int line = -1;
  int column = -1;
  bool known() const { return line >= 0; }
};

namespace yaml_internal {
struct Tree;
struct NodeData;
}  // namespace yaml_internal

class YamlNode {
 public:
  enum class Kind : uint8_t { kNull, kScalar, kSequence, kMapping };

  YamlNode() = default;  // absent

  bool IsDefined() const { return data_ != nullptr; }
  bool IsNull() const { return IsKind(Kind::kNull); }
  bool IsScalar() const { return IsKind(Kind::kScalar); }
  bool IsSequence() const { return IsKind(Kind::kSequence); }
  bool IsMap() const { return IsKind(Kind::kMapping); }

  // A scalar's text; empty for every other node.
  absl::string_view text() const;
  // Whether a scalar was written quoted or as a block (| or >).
  bool quoted() const;
  // Unknown for an absent node.
  YamlMark mark() const;

  // The items of a sequence or the entries of a mapping; 0 for other nodes.
  size_t size() const;
  // Item `i` of a sequence; absent when out of range or not a sequence.
  YamlNode operator[](size_t i) const;
  // Entry `i` of a mapping (i < size()).
  YamlNode key(size_t i) const;
  YamlNode value(size_t i) const;
  // The value of the first entry whose key is the scalar `name`; absent
  // when there is none.
  YamlNode Find(absl::string_view name) const;

 private:
  friend struct yaml_internal::Tree;
  YamlNode(const yaml_internal::Tree* tree, const yaml_internal::NodeData* data)
      : tree_(tree), data_(data) {}
  bool IsKind(Kind kind) const;
  YamlNode Child(size_t i) const;

  const yaml_internal::Tree* tree_ = nullptr;
  const yaml_internal::NodeData* data_ = nullptr;
};

class YamlStream;

// Limits of ParseYaml (see the contract).
inline constexpr size_t kMaxAliasCost = 16 << 20;  // a node counts 16, a scalar also its bytes
inline constexpr int kMaxDepth = 500;
inline constexpr size_t kMaxYamlBytes = 64 << 20;  // larger texts are refused

// Parses `text`, the part of file `file` that starts at its 0-based line
// `first_line`.
absl::StatusOr<YamlStream> ParseYaml(absl::string_view text, absl::string_view file,
                                     int first_line = 0);

// The documents of one text, in order.
class YamlStream {
 public:
  YamlStream();
  YamlStream(YamlStream&&) noexcept;
  YamlStream& operator=(YamlStream&&) noexcept;
  ~YamlStream();

  size_t size() const;
  // The root of document `i`.
  YamlNode document(size_t i) const;
  // Where document `i` starts: its `---`, or its first token.
  YamlMark document_start(size_t i) const;

 private:
  friend absl::StatusOr<YamlStream> ParseYaml(absl::string_view, absl::string_view, int);
  std::unique_ptr<yaml_internal::Tree> tree_;
};

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_YAML_TREE_H_
