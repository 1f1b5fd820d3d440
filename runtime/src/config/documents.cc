#include "config/documents.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

bool IsControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// A byte that may start what CheckText refuses: a control character, or a
// line break other than \n and \r\n (a lone \r, NEL, LS, PS), which YAML
// counts as a line of its own but line numbers here do not.
bool MaySuspect(char c) {
  const auto u = static_cast<unsigned char>(c);
  return IsControl(c) || c == '\r' || u == 0xC2 || u == 0xE2;
}

// What is wrong at text[i], if anything.
std::optional<std::string> RefusedAt(absl::string_view text, size_t i) {
  const char c = text[i];
  const auto next = [&](size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  if (IsControl(c)) {
    return absl::StrCat("control character 0x",
                        absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2),
                        " (a configuration file is text)");
  }
  if (c == '\r' && next(1) != '\n') return "a carriage return alone (lines end with \\n or \\r\\n)";
  if (static_cast<unsigned char>(c) == 0xC2 && next(1) == 0x85) {
    return "line break U+0085 (lines end with \\n or \\r\\n)";
  }
  if (static_cast<unsigned char>(c) == 0xE2 && next(1) == 0x80 &&
      (next(2) == 0xA8 || next(2) == 0xA9)) {
    return absl::StrCat("line break U+202", next(2) == 0xA8 ? "8" : "9",
                        " (lines end with \\n or \\r\\n)");
  }
  return std::nullopt;
}

// Whether `text` has nothing but directives (%YAML, %TAG), comments and
// blank lines: what can come before a file's first `---`.
bool OnlyDirectives(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const absl::string_view content = absl::StripLeadingAsciiWhitespace(line);
    if (!content.empty() && content[0] != '#' && line[0] != '%') return false;
  }
  return true;
}

}  // namespace

absl::Status CheckText(const ConfigFile& file) {
  if (file.text.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(file.name, ": ", file.text.size(),
                                                   " bytes; a configuration file may have at "
                                                   "most ",
                                                   kMaxFileBytes));
  }
  bool any = false;  // the common case first: one pass without branches to leave it
  for (char c : file.text) any |= MaySuspect(c);
  if (!any) return absl::OkStatus();
  int line = 1, column = 1;
  const absl::string_view text = file.text;
  for (size_t i = 0; i < text.size(); ++i) {
    if (MaySuspect(text[i])) {
      if (std::optional<std::string> refused = RefusedAt(text, i)) {
        return absl::InvalidArgumentError(
            absl::StrCat(file.name, ":", line, ":", column, ": invalid YAML: ", *refused));
      }
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::OkStatus();
}

std::vector<DocumentText> SplitDocuments(absl::string_view text) {
  std::vector<DocumentText> documents;
  DocumentText part{0, text};
  int line = 0;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view content = text.substr(start, end - start);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content == "---" || absl::StartsWith(content, "--- ") ||
        absl::StartsWith(content, "---\t") || content == "...") {
      const size_t part_start = part.text.data() - text.data();
      part.text = text.substr(part_start, start - part_start);
      documents.push_back(part);
      // "--- {inline}": the document starts with its marker's line.
      const bool starts_here = content != "..." && content.size() > 4;
      part.first_line = starts_here ? line : line + 1;
      part.text = text.substr(starts_here ? start : std::min(end + 1, text.size()));
    }
    start = end + 1;
  }
  documents.push_back(part);
  return documents;
}

absl::Status ForEachDocument(
    const ConfigFile& file,
    absl::FunctionRef<absl::Status(const YamlNode& root, const DocumentText& part)> read) {
  MESHUP_RETURN_IF_ERROR(CheckText(file));
  for (const DocumentText& part : SplitDocuments(file.text)) {
    absl::StatusOr<YamlStream> stream = ParseYaml(part.text, file.name, part.first_line);
    if (!stream.ok()) {
      if (OnlyDirectives(part.text)) continue;  // no document: its `---` starts the next part
      return stream.status();
    }
    if (stream->size() > 1) {
      // A document marker SplitDocuments did not see as one.
      const YamlMark at = stream->document_start(1);
      return absl::InvalidArgumentError(
          absl::StrCat(file.name, ":", at.line + 1, ":", at.column + 1,
                       ": invalid YAML: a second document; separate documents with a line "
                       "that is just \"---\""));
    }
    if (stream->size() == 0 || stream->document(0).IsNull()) continue;  // an empty section
    MESHUP_RETURN_IF_ERROR(read(stream->document(0), part));
  }
  return absl::OkStatus();
}

}  // namespace meshup::config
