#include "config/yaml_fields.h"

#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

// A scalar's text; false when the node is not a scalar.
bool ScalarText(const YamlNode& node, std::string* text) {
  if (!node.IsScalar()) return false;
  *text = std::string(node.text());
  return true;
}

const char* TypeName(const YamlNode& node) {
  if (node.IsNull()) return "null";
  if (node.IsScalar()) return "a scalar";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

std::string JoinPath(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

}  // namespace

std::string Document::Where(const YamlMark& mark, absl::string_view path) const {
  std::string where = file_;
  if (mark.known()) absl::StrAppend(&where, ":", mark.line + 1, ":", mark.column + 1);
  absl::StrAppend(&where, ": ");
  if (!subject_.empty()) absl::StrAppend(&where, subject_, ": ");
  if (!path.empty()) absl::StrAppend(&where, path, ": ");
  return where;
}

absl::Status Document::Error(const YamlNode& at, absl::string_view path,
                             absl::string_view message) const {
  return Error(at.mark(), path, message);
}

absl::Status Document::Error(const YamlMark& at, absl::string_view path,
                             absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Where(at, path), message));
}

void Document::Warn(const YamlNode& at, absl::string_view path, absl::string_view message) const {
  if (warnings_ != nullptr) warnings_->push_back(absl::StrCat(Where(at.mark(), path), message));
}

Fields::Fields(const YamlNode& node, std::string path, const Document& doc)
    : node_(node), path_(std::move(path)), doc_(doc) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    status_ = doc.Error(node, path_, absl::StrCat("expected a mapping, found ", TypeName(node)));
    return;
  }
  if (!node.IsMap()) return;
  status_ = CheckUniqueKeys(node, path_, doc);
  if (!status_.ok()) return;
  entries_.reserve(node.size());
  for (size_t i = 0; i < node.size(); ++i) entries_.push_back(Entry{node.key(i), node.value(i)});
}

std::string Fields::Path(absl::string_view key) const { return JoinPath(path_, key); }

YamlNode Fields::Get(absl::string_view key) {
  for (Entry& entry : entries_) {
    if (!entry.key.IsScalar() || entry.key.text() != key) continue;
    entry.read = true;
    return entry.value;  // keys are unique (checked when made)
  }
  return YamlNode();
}

bool Fields::Has(absl::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key.IsScalar() && entry.key.text() == key) return true;
  }
  return false;
}

absl::Status Fields::CheckAllRead(std::initializer_list<absl::string_view> harmless) const {
  if (!valid()) return status_;
  for (const Entry& entry : entries_) {
    if (entry.read) continue;
    const absl::string_view key = entry.key.text();  // empty when not a scalar
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

absl::StatusOr<std::string> ReadString(const YamlNode& node, absl::string_view path,
                                       const Document& doc) {
  std::string text;
  if (!ScalarText(node, &text)) {
    return doc.Error(node, path, absl::StrCat("expected a string, found ", TypeName(node)));
  }
  return text;
}

absl::StatusOr<int64_t> ReadInt(const YamlNode& node, absl::string_view path, const Document& doc,
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

absl::StatusOr<double> ReadDouble(const YamlNode& node, absl::string_view path, const Document& doc,
                                  double min, double max) {
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

absl::StatusOr<bool> ReadBool(const YamlNode& node, absl::string_view path, const Document& doc) {
  std::string text;
  if (ScalarText(node, &text)) {
    if (text == "true") return true;
    if (text == "false") return false;
  }
  return doc.Error(node, path, "expected true or false");
}

absl::StatusOr<absl::Duration> ReadDuration(const YamlNode& node, absl::string_view path,
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

absl::StatusOr<absl::Time> ReadTimestamp(const YamlNode& node, absl::string_view path,
                                         const Document& doc) {
  std::string text;
  absl::Time time;
  std::string why;
  if (!ScalarText(node, &text) || !absl::ParseTime(absl::RFC3339_full, text, &time, &why)) {
    return doc.Error(node, path,
                     absl::StrCat("'", text,
                                  "' is not an RFC 3339 timestamp (example: "
                                  "\"2024-05-01T10:00:00Z\")"));
  }
  return time;
}

absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(const YamlNode& node,
                                                                 absl::string_view path,
                                                                 const Document& doc) {
  std::map<std::string, std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    return doc.Error(node, path, absl::StrCat("expected a mapping, found ", TypeName(node)));
  }
  MESHUP_RETURN_IF_ERROR(CheckUniqueKeys(node, path, doc));
  for (size_t i = 0; i < node.size(); ++i) {
    const YamlNode value = node.value(i);
    if (!node.key(i).IsScalar()) {
      return doc.Error(node.key(i), path, absl::StrCat("expected a name, found ",
                                                       TypeName(node.key(i))));
    }
    const std::string key(node.key(i).text());
    if (!value.IsScalar()) {
      return doc.Error(value, absl::StrCat(path, ".", key),
                       absl::StrCat("expected a string, found ", TypeName(value)));
    }
    out[key] = std::string(value.text());
  }
  return out;
}

absl::Status CheckUniqueKeys(const YamlNode& map, absl::string_view path, const Document& doc) {
  absl::flat_hash_map<absl::string_view, YamlMark> seen;
  for (size_t i = 0; i < map.size(); ++i) {
    const YamlNode key = map.key(i);
    if (!key.IsScalar()) continue;
    auto [first, inserted] = seen.emplace(key.text(), key.mark());
    if (!inserted) {
      return doc.Error(key, JoinPath(path, key.text()),
                       absl::StrCat("written twice in one mapping (first at line ",
                                    first->second.line + 1, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ReadStringList(const YamlNode& node,
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

absl::Status CheckSequence(const YamlNode& node, absl::string_view path, const Document& doc) {
  if (!node.IsDefined() || node.IsNull() || node.IsSequence()) return absl::OkStatus();
  return doc.Error(node, path, absl::StrCat("expected a list, found ", TypeName(node)));
}

}  // namespace meshup::config
