#include "config/yaml_fields.h"

#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

// A scalar's text, or nullopt when the node is not a scalar.
bool ScalarText(const YAML::Node& node, std::string* text) {
  if (!node.IsScalar()) return false;
  *text = node.Scalar();
  return true;
}

const char* TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

}  // namespace

std::string Document::Where(const YAML::Mark& mark, absl::string_view path) const {
  std::string where = file_;
  if (!mark.is_null()) {
    absl::StrAppend(&where, ":", mark.line + 1 + first_line_, ":", mark.column + 1);
  }
  absl::StrAppend(&where, ": ");
  if (!subject_.empty()) absl::StrAppend(&where, subject_, ": ");
  if (!path.empty()) absl::StrAppend(&where, path, ": ");
  return where;
}

absl::Status Document::Error(const YAML::Node& at, absl::string_view path,
                             absl::string_view message) const {
  return Error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), path, message);
}

absl::Status Document::Error(const YAML::Mark& at, absl::string_view path,
                             absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Where(at, path), message));
}

void Document::Warn(const YAML::Node& at, absl::string_view path, absl::string_view message) const {
  if (warnings_ != nullptr) {
    warnings_->push_back(
        absl::StrCat(Where(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), path), message));
  }
}

Fields::Fields(const YAML::Node& node, std::string path, const Document& doc)
    : node_(node), path_(std::move(path)), doc_(doc) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    status_ = doc.Error(node, path_, absl::StrCat("expected a mapping, found ", TypeName(node)));
    return;
  }
  if (!node.IsMap()) return;
  entries_.reserve(node.size());
  for (const auto& entry : node) {
    entries_.push_back(
        Entry{entry.first, entry.second, entry.first.IsScalar() ? &entry.first.Scalar() : nullptr});
  }
}

std::string Fields::Path(absl::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

YAML::Node Fields::Get(absl::string_view key) {
  const Entry* found = nullptr;
  for (Entry& entry : entries_) {
    if (entry.name == nullptr || *entry.name != key) continue;
    entry.read = true;  // every entry of a key written twice
    if (found == nullptr) found = &entry;
  }
  return found != nullptr ? found->value : YAML::Node(YAML::NodeType::Undefined);
}

bool Fields::Has(absl::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.name != nullptr && *entry.name == key) return true;
  }
  return false;
}

absl::Status Fields::CheckAllRead(std::initializer_list<absl::string_view> harmless) const {
  if (!valid()) return status_;
  for (const Entry& entry : entries_) {
    if (entry.read) continue;
    const std::string key = entry.name != nullptr ? *entry.name : "";
    bool is_harmless = false;
    for (absl::string_view h : harmless) is_harmless |= (h == key);
    if (is_harmless) {
      doc_.Warn(entry.key, Path(key), "has no effect in MeshUp and is ignored");
      continue;
    }
    return doc_.Error(entry.key, Path(key),
                      "unknown or unsupported field (MeshUp refuses fields it does not "
                      "implement rather than ignore them)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadString(const YAML::Node& node, absl::string_view path,
                                       const Document& doc) {
  std::string text;
  if (!ScalarText(node, &text)) {
    return doc.Error(node, path, absl::StrCat("expected a string, found ", TypeName(node)));
  }
  return text;
}

absl::StatusOr<int64_t> ReadInt(const YAML::Node& node, absl::string_view path, const Document& doc,
                                int64_t min, int64_t max) {
  std::string text;
  int64_t value = 0;
  if (!ScalarText(node, &text) || !absl::SimpleAtoi(text, &value)) {
    return doc.Error(node, path,
                     absl::StrCat("expected a whole number, found ",
                                  node.IsScalar() ? absl::StrCat("'", text, "'") : TypeName(node)));
  }
  if (value < min || value > max) {
    return doc.Error(node, path, absl::StrCat(value, " is out of range [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<double> ReadDouble(const YAML::Node& node, absl::string_view path,
                                  const Document& doc, double min, double max) {
  std::string text;
  double value = 0;
  if (!ScalarText(node, &text) || !absl::SimpleAtod(text, &value) || std::isnan(value)) {
    return doc.Error(node, path,
                     absl::StrCat("expected a number, found ",
                                  node.IsScalar() ? absl::StrCat("'", text, "'") : TypeName(node)));
  }
  if (value < min || value > max) {
    return doc.Error(node, path, absl::StrCat(value, " is out of range [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<bool> ReadBool(const YAML::Node& node, absl::string_view path, const Document& doc) {
  std::string text;
  if (ScalarText(node, &text)) {
    if (text == "true") return true;
    if (text == "false") return false;
  }
  return doc.Error(node, path, "expected true or false");
}

absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node, absl::string_view path,
                                            const Document& doc) {
  std::string text;
  absl::Duration duration;
  if (!ScalarText(node, &text) || !absl::ParseDuration(text, &duration) ||
      duration < absl::ZeroDuration() || duration == absl::InfiniteDuration()) {
    return doc.Error(node, path,
                     absl::StrCat("'", text,
                                  "' is not a duration (examples: \"10s\", \"0.5s\", \"250ms\", "
                                  "\"1m\")"));
  }
  return duration;
}

absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(const YAML::Node& node,
                                                                 absl::string_view path,
                                                                 const Document& doc) {
  std::map<std::string, std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    return doc.Error(node, path, absl::StrCat("expected a mapping, found ", TypeName(node)));
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const std::string key_path = absl::StrCat(path, ".", key);
    if (!entry.second.IsScalar()) {
      return doc.Error(entry.second, key_path,
                       absl::StrCat("expected a string, found ", TypeName(entry.second)));
    }
    out[key] = entry.second.Scalar();
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ReadStringList(const YAML::Node& node,
                                                        absl::string_view path,
                                                        const Document& doc) {
  std::vector<std::string> out;
  MESHUP_RETURN_IF_ERROR(CheckSequence(node, path, doc));
  if (!node.IsDefined() || node.IsNull()) return out;
  for (size_t i = 0; i < node.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(std::string item,
                            ReadString(node[i], absl::StrCat(path, "[", i, "]"), doc));
    out.push_back(std::move(item));
  }
  return out;
}

absl::Status CheckSequence(const YAML::Node& node, absl::string_view path, const Document& doc) {
  if (!node.IsDefined() || node.IsNull() || node.IsSequence()) return absl::OkStatus();
  return doc.Error(node, path, absl::StrCat("expected a list, found ", TypeName(node)));
}

}  // namespace meshup::config
