#include "config/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace meshup::config {
namespace yaml_internal {

struct NodeData {
  YamlNode::Kind kind;
  bool quoted;
  int32_t line;
  int32_t column;
  // A scalar's text is Tree::text[begin, begin + count); a container's
  // children are Tree::children[begin, begin + count): its items, or its
  // keys and values in turn.
  uint32_t begin;
  uint32_t count;
};

struct Tree {
  struct Document {
    uint32_t root;
    YamlMark start;
  };

  YamlNode Node(uint32_t index) const { return YamlNode(this, &nodes[index]); }

  std::vector<NodeData> nodes;
  std::vector<uint32_t> children;  // indexes into `nodes`; an alias's node appears more than once
  std::string text;                // the scalars' texts, one after the other
  std::vector<Document> documents;
};

}  // namespace yaml_internal

using yaml_internal::NodeData;
using yaml_internal::Tree;

bool YamlNode::IsKind(Kind kind) const { return data_ != nullptr && data_->kind == kind; }

absl::string_view YamlNode::text() const {
  if (!IsScalar()) return absl::string_view();
  return absl::string_view(tree_->text.data() + data_->begin, data_->count);
}

bool YamlNode::quoted() const { return IsScalar() && data_->quoted; }

YamlMark YamlNode::mark() const {
  if (data_ == nullptr) return YamlMark();
  return YamlMark{data_->line, data_->column};
}

size_t YamlNode::size() const {
  if (IsSequence()) return data_->count;
  if (IsMap()) return data_->count / 2;
  return 0;
}

YamlNode YamlNode::Child(size_t i) const { return tree_->Node(tree_->children[data_->begin + i]); }

YamlNode YamlNode::operator[](size_t i) const {
  return IsSequence() && i < data_->count ? Child(i) : YamlNode();
}

YamlNode YamlNode::key(size_t i) const { return IsMap() && i < size() ? Child(2 * i) : YamlNode(); }

YamlNode YamlNode::value(size_t i) const {
  return IsMap() && i < size() ? Child(2 * i + 1) : YamlNode();
}

YamlNode YamlNode::Find(absl::string_view name) const {
  for (size_t i = 0; i < size(); ++i) {
    const YamlNode k = Child(2 * i);
    if (k.IsScalar() && k.text() == name) return Child(2 * i + 1);
  }
  return YamlNode();
}

YamlStream::YamlStream() = default;
YamlStream::YamlStream(YamlStream&&) noexcept = default;
YamlStream& YamlStream::operator=(YamlStream&&) noexcept = default;
YamlStream::~YamlStream() = default;

size_t YamlStream::size() const { return tree_ ? tree_->documents.size() : 0; }

YamlNode YamlStream::document(size_t i) const { return tree_->Node(tree_->documents[i].root); }

YamlMark YamlStream::document_start(size_t i) const { return tree_->documents[i].start; }

namespace {

constexpr uint64_t kNodeCost = 16;

bool IsNullText(absl::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

absl::string_view Chars(const yaml_char_t* text) {
  return text == nullptr ? absl::string_view() : reinterpret_cast<const char*>(text);
}

// Turns libyaml's events into a Tree.
class Builder {
 public:
  Builder(absl::string_view text, absl::string_view file, int first_line, Tree& tree)
      : text_(text), file_(file), first_line_(first_line), tree_(tree) {}

  absl::Status Run();

 private:
  struct Open {
    uint32_t node;
    size_t first_pending;  // its children so far are pending_[first_pending, end)
  };

  absl::Status Handle(const yaml_event_t& event);
  absl::Status Scalar(const yaml_event_t& event);
  absl::Status Alias(const yaml_event_t& event);
  absl::Status Close();
  uint32_t NewNode(YamlNode::Kind kind, const yaml_mark_t& at, const yaml_char_t* anchor);
  void Add(uint32_t node);
  YamlMark Mark(const yaml_mark_t& mark) const;
  absl::Status Error(YamlMark at, absl::string_view what) const;
  absl::Status ParserError(const yaml_parser_t& parser) const;

  absl::string_view text_;
  absl::string_view file_;
  int first_line_;
  Tree& tree_;
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;  // children of the open containers, innermost last
  // Per node: what it stands for, aliases counted as copies; 0 while open.
  std::vector<uint64_t> cost_;
  uint64_t alias_cost_ = 0;
  absl::flat_hash_map<std::string, uint32_t> anchors_;  // of the current document
  // For text that is not all ASCII: the byte offset of each character
  // (libyaml counts columns in characters).
  std::vector<uint32_t> char_to_byte_;
};

absl::Status Builder::Run() {
  if (std::any_of(text_.begin(), text_.end(), [](char c) { return (c & 0x80) != 0; })) {
    size_t i = text_.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // libyaml does not count a BOM
    for (; i < text_.size(); ++i) {
      if ((text_[i] & 0xC0) != 0x80) char_to_byte_.push_back(static_cast<uint32_t>(i));
    }
    char_to_byte_.push_back(static_cast<uint32_t>(text_.size()));
  }
  // About one node per 6 or 7 bytes of configuration, and less text.
  tree_.nodes.reserve(text_.size() / 6 + 4);
  tree_.children.reserve(text_.size() / 6 + 4);
  tree_.text.reserve(text_.size());
  cost_.reserve(text_.size() / 6 + 4);
  open_.reserve(16);
  pending_.reserve(64);
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) {
    return absl::ResourceExhaustedError(absl::StrCat(file_, ": no memory to parse YAML"));
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text_.data()),
                               text_.size());
  absl::Status status;
  for (bool done = false; status.ok() && !done;) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      status = ParserError(parser);
      break;
    }
    done = event.type == YAML_STREAM_END_EVENT;
    status = Handle(event);
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return status;
}

absl::Status Builder::Handle(const yaml_event_t& event) {
  switch (event.type) {
    case YAML_DOCUMENT_START_EVENT:
      anchors_.clear();  // an anchor belongs to its document
      tree_.documents.push_back({0, Mark(event.start_mark)});
      return absl::OkStatus();
    case YAML_SCALAR_EVENT:
      return Scalar(event);
    case YAML_ALIAS_EVENT:
      return Alias(event);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      if (open_.size() >= static_cast<size_t>(kMaxDepth)) {
        return Error(Mark(event.start_mark),
                     absl::StrCat("nested more than ", kMaxDepth, " levels deep"));
      }
      const bool sequence = event.type == YAML_SEQUENCE_START_EVENT;
      const uint32_t node =
          NewNode(sequence ? YamlNode::Kind::kSequence : YamlNode::Kind::kMapping, event.start_mark,
                  sequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor);
      open_.push_back({node, pending_.size()});
      return absl::OkStatus();
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      return Close();
    default:  // the stream's start and end, a document's end
      return absl::OkStatus();
  }
}

absl::Status Builder::Scalar(const yaml_event_t& event) {
  const auto& scalar = event.data.scalar;
  const absl::string_view value(reinterpret_cast<const char*>(scalar.value), scalar.length);
  const bool plain =
      scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE;
  const bool null = plain && scalar.tag == nullptr && IsNullText(value);
  const uint32_t node = NewNode(null ? YamlNode::Kind::kNull : YamlNode::Kind::kScalar,
                                event.start_mark, scalar.anchor);
  NodeData& data = tree_.nodes[node];
  cost_[node] = kNodeCost;
  if (!null) {
    data.quoted = !plain;
    data.begin = static_cast<uint32_t>(tree_.text.size());
    data.count = static_cast<uint32_t>(value.size());
    tree_.text.append(value.data(), value.size());
    cost_[node] += value.size();
  }
  Add(node);
  return absl::OkStatus();
}

absl::Status Builder::Alias(const yaml_event_t& event) {
  const absl::string_view name = Chars(event.data.alias.anchor);
  auto it = anchors_.find(name);
  if (it == anchors_.end()) {
    return Error(Mark(event.start_mark),
                 absl::StrCat("alias *", name, " has no anchor &", name, " before it"));
  }
  const uint32_t target = it->second;
  if (cost_[target] == 0) {
    return Error(Mark(event.start_mark),
                 absl::StrCat("alias *", name, " is inside the node it stands for"));
  }
  alias_cost_ += cost_[target];
  if (alias_cost_ > kMaxAliasCost) {
    return Error(Mark(event.start_mark),
                 absl::StrCat("the aliases stand for more than ", kMaxAliasCost >> 20,
                              " MiB of copies (an alias bomb?)"));
  }
  Add(target);
  return absl::OkStatus();
}

absl::Status Builder::Close() {
  const Open open = open_.back();
  open_.pop_back();
  NodeData& data = tree_.nodes[open.node];
  data.begin = static_cast<uint32_t>(tree_.children.size());
  data.count = static_cast<uint32_t>(pending_.size() - open.first_pending);
  uint64_t cost = kNodeCost;
  for (size_t i = open.first_pending; i < pending_.size(); ++i) {
    tree_.children.push_back(pending_[i]);
    cost += cost_[pending_[i]];
  }
  pending_.resize(open.first_pending);
  cost_[open.node] = cost;
  Add(open.node);
  return absl::OkStatus();
}

uint32_t Builder::NewNode(YamlNode::Kind kind, const yaml_mark_t& at, const yaml_char_t* anchor) {
  const YamlMark mark = Mark(at);
  const auto node = static_cast<uint32_t>(tree_.nodes.size());
  tree_.nodes.push_back(NodeData{kind, false, mark.line, mark.column, 0, 0});
  cost_.push_back(0);
  if (anchor != nullptr) anchors_[Chars(anchor)] = node;  // a later anchor of the name wins
  return node;
}

void Builder::Add(uint32_t node) {
  if (open_.empty()) {
    tree_.documents.back().root = node;
  } else {
    pending_.push_back(node);
  }
}

YamlMark Builder::Mark(const yaml_mark_t& mark) const {
  auto column = static_cast<int>(mark.column);
  if (!char_to_byte_.empty()) {
    const size_t end = std::min(mark.index, char_to_byte_.size() - 1);
    const size_t start = std::min(mark.index - std::min(mark.index, mark.column), end);
    column = static_cast<int>(char_to_byte_[end] - char_to_byte_[start]);
  }
  return YamlMark{first_line_ + static_cast<int>(mark.line), column};
}

absl::Status Builder::Error(YamlMark at, absl::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(file_, ":", at.line + 1, ":", at.column + 1, ": invalid YAML: ", what));
}

absl::Status Builder::ParserError(const yaml_parser_t& parser) const {
  const std::string problem(parser.problem != nullptr ? parser.problem : "unknown error");
  switch (parser.error) {
    case YAML_MEMORY_ERROR:
      return absl::ResourceExhaustedError(absl::StrCat(file_, ": no memory to parse YAML"));
    case YAML_READER_ERROR: {
      // An encoding error: libyaml gives the byte offset.
      const absl::string_view before = text_.substr(0, parser.problem_offset);
      const size_t line_start = before.rfind('\n');
      YamlMark at{
          first_line_ + static_cast<int>(std::count(before.begin(), before.end(), '\n')),
          static_cast<int>(line_start == absl::string_view::npos ? before.size()
                                                                 : before.size() - line_start - 1)};
      if (parser.problem_value == -1) return Error(at, problem);
      return Error(at, absl::StrCat(problem, " (0x", absl::Hex(parser.problem_value), ")"));
    }
    default: {
      std::string what = problem;
      if (parser.context != nullptr) {
        const YamlMark context = Mark(parser.context_mark);
        absl::StrAppend(&what, " (", parser.context, " started at ", context.line + 1, ":",
                        context.column + 1, ")");
      }
      const size_t at =
          char_to_byte_.empty()
              ? parser.problem_mark.index
              : char_to_byte_[std::min(parser.problem_mark.index, char_to_byte_.size() - 1)];
      if (at < text_.size() && text_[at] == '\t') {
        absl::StrAppend(&what, "; this is a tab: use spaces");
      }
      return Error(Mark(parser.problem_mark), what);
    }
  }
}

}  // namespace

absl::StatusOr<YamlStream> ParseYaml(absl::string_view text, absl::string_view file,
                                     int first_line) {
  if (text.size() > kMaxYamlBytes) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", text.size(),
                                                   " bytes of YAML; at most ", kMaxYamlBytes,
                                                   " can be parsed"));
  }
  YamlStream stream;
  stream.tree_ = std::make_unique<Tree>();
  Builder builder(text, file, first_line, *stream.tree_);
  if (absl::Status status = builder.Run(); !status.ok()) return status;
  return stream;
}

}  // namespace meshup::config
